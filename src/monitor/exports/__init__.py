"""Exports: the monitor's tables as CSV and XLSX, the pseudonymised research files (CSV, SPSS, codebook) with their
k-anonymity, and the log of every export."""
