"""Where review tables come from: Excel workbooks and Google Sheets."""
