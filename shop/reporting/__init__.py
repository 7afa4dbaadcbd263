"""Reports for the staff: the dashboard figures and the analytics pages."""
