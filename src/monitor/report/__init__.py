"""The report: the dataset of submitted scores, the statistics, small-cell protection and the monitor's use cases.
Reads the questionnaire's tables; never writes a response."""
