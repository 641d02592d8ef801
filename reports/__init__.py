"""PDF report builders: plain data in, PDF bytes out (the reports issue fills this package)."""
