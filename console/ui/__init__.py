"""The console window: Qt models, delegates, dialogs and the main window. Only this package imports PySide6."""
