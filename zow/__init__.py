"""The `zow` command: a thin CLI over the ETL (`etl`) and the dashboard (`dashboard`)."""
