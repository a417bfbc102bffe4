"""The study's statistics: pure functions (stats) and the runner that reads
the marts and writes marts.study_results (analysis)."""
