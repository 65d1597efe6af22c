"""Files in and out: the Metrica CSV (read as text, written exactly) and, later, tracker exports."""

from callframe.io.metrica_csv import METRICA_MAX_BYTES, read_metrica_csv, write_text_frame

__all__ = ["METRICA_MAX_BYTES", "read_metrica_csv", "write_text_frame"]
