"""The domain core of Zicht op wijken, shared by the ETL and the dashboard.

Region codes and levels, the indicator catalogue and its subthemes, the rank rule,
attribution per source and the NPLV focus areas. Nothing here does I/O beyond reading the
project's own declarative files, and nothing here imports ``etl`` or ``dashboard``.
"""
