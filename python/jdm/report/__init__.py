"""What leaves the warehouse: the HTML study report, the summary tables and
the small-cell suppression (disclosure control) they go through."""
