"""The homes of the workspace: a trainee's to-do list and a trainer's attention points, from training and the
questionnaire together."""
