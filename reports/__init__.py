"""Reports and the satisfaction survey (SKM): admin pages, exports, the survey tablet."""
