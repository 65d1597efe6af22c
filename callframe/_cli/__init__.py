"""Command modules of the ``callframe`` CLI; each registers its commands on :data:`common.app`."""

__all__: list[str] = []
