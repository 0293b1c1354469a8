"""The questionnaire: instruments and their versions, measurement windows, responses (online, paper, imported),
scoring, the trainee's own growth profile and the reminders. The monitor's input; knows nothing of reports."""
