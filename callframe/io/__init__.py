"""Files in and out: tracker exports and Metrica CSVs read as text; Metrica CSVs written exactly."""

from callframe.io.exports import KNOWN_ENVELOPES, TrackerExport, read_export
from callframe.io.metrica_csv import METRICA_MAX_BYTES, read_metrica_csv, write_text_frame

__all__ = [
    "KNOWN_ENVELOPES",
    "METRICA_MAX_BYTES",
    "TrackerExport",
    "read_export",
    "read_metrica_csv",
    "write_text_frame",
]
