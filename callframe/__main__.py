from callframe.cli import main

main()
