"""What the tracker writes for others to read.

- ``snapshot``: the latest results on disk, written by the refresh job and read by the web view;
- ``safe_cells``: text from a cell written so that no spreadsheet program runs it;
- ``trend``: deadlines met per calendar quarter, worked out from the results (no history kept);
- ``publish``: the officers' due dates written back beside their data (a companion workbook or
  a ``Tracker`` tab), never into cells they edit.
"""
