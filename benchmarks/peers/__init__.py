"""How most users would do it without callframe: pandas + pandera (pandas backend).

These scripts run in their own virtual environment (``.venv-peer``, made by ``make bench``) with
pandas and pandera only, so the comparison is what a user would install.
"""
