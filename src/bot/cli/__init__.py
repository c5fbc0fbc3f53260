"""Click commands only: parse, call app, print, choose the exit code."""
