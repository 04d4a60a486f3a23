"""One place for the look: calm colours, large type for what is read from a distance."""

STYLE_SHEET = """
QMainWindow { background: #f4f6f8; }
QLabel#pageTitle { font-size: 20pt; font-weight: 600; color: #1d2b36; }
QLabel#sectionTitle { font-size: 13pt; font-weight: 600; color: #1d2b36; }
QLabel#muted { color: #5b6b78; }
QLabel#error { color: #b00020; font-weight: 600; }
QLabel#warning { color: #8a5300; font-weight: 600; }
QLabel#ok { color: #1b6e3a; font-weight: 600; }
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit, QPlainTextEdit {
    padding: 4px; min-height: 24px;
}
QPushButton { padding: 6px 14px; min-height: 24px; }
QPushButton#primary { background: #1f6feb; color: white; border-radius: 4px; font-weight: 600; }
QPushButton#primary:disabled { background: #9bb8e8; }
QPushButton#danger { background: #c62828; color: white; border-radius: 4px; font-weight: 600; }
QTableView { background: white; alternate-background-color: #f0f4f7; }
QFrame#panel { background: white; border: 1px solid #d5dde3; border-radius: 6px; }
"""
