"""File > Import provider export...: choose files and location, see each format, run with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.errors import UserError
from console.services.context import AppContext
from console.services.imports import file_patterns
from console.ui.import_summary import ImportSummaryView, plural
from console.ui.import_worker import ImportJob, Runner, import_pool
from console.ui.naming import name_widget
from console.ui.plain import plain_label


def file_filter() -> str:
    """The file dialog's filter: the patterns of every registered format (``importers/registry.py``), gzip too."""
    patterns = list(dict.fromkeys([*file_patterns(), "*.gz"]))
    return f"Provider exports and contacts ({' '.join(patterns)});;Compressed exports (*.gz);;All files (*)"


FILE_FILTER = file_filter()
FOLDER_KEY = "import/folder"


def default_folder() -> Path:
    """Where exports usually are: the user's Downloads folder, else their home (never the install folder)."""
    home = Path.home()
    downloads = home / "Downloads"
    return downloads if downloads.is_dir() else home


def start_folder(settings: QSettings) -> Path:
    """The folder files were last imported from (remembered in QSettings), else :func:`default_folder`."""
    remembered = str(settings.value(FOLDER_KEY, "") or "")
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return default_folder()


def choose_files(parent: QWidget | None, folder: Path | None = None) -> list[Path]:
    """The files the agent picks, starting in ``folder``; tests replace this."""
    start = str(folder or default_folder())
    names, _ = QFileDialog.getOpenFileNames(parent, "Import provider export", start, FILE_FILTER)
    return [Path(n) for n in names]


def describe_format(path: Path) -> tuple[str | None, str]:
    """(format, words to show): the detected format, or why the file cannot be imported."""
    from console.importers.detect import detect_format
    from console.importers.errors import ImportFileError

    try:
        fmt = detect_format(path)
    except (UserError, ImportFileError) as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror or exc}"
    return fmt, fmt


class ImportDialog(QDialog):
    """Modeless: the window stays usable while the import runs on the background worker."""

    imported = Signal(object)  # ImportSummary
    crashed = Signal(str)

    def __init__(self, ctx: AppContext, locations: list[str], location: str, actor: str,
                 runner: Runner | None = None, parent: Any = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "import_dialog", "Import provider export")
        self.setWindowTitle("Import provider export")
        self.resize(760, 600)  # the summary scrolls inside: the dialog never outgrows a 1280x800 screen
        self._ctx, self._actor, self._runner = ctx, actor, runner
        self.paths: list[Path] = []
        self.job: ImportJob | None = None
        self.settings = settings if settings is not None else QSettings()
        self.choose_files: Callable[[QWidget | None], list[Path]] = \
            lambda parent: choose_files(parent, start_folder(self.settings))
        self.files = name_widget(QTableWidget(0, 3, self), "import_files", "Files to import and their formats")
        self.files.setHorizontalHeaderLabels(["File", "Detected format", "Size"])
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.files.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.files.verticalHeader().hide()
        self.add_button = name_widget(QPushButton("Add files...", self), "add_files", "Add files to import")
        self.add_button.clicked.connect(self.pick_files)
        self.clear_button = name_widget(QPushButton("Clear", self), "clear_files", "Clear the file list")
        self.clear_button.clicked.connect(lambda: self.set_files([]))
        self.location = name_widget(QComboBox(self), "import_location", "Import into location")
        self.location.addItems(locations)
        self.location.setCurrentText(location)
        self.problem = name_widget(plain_label(self), "import_problem", "Import problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.progress = name_widget(QProgressBar(self), "import_progress", "Import progress")
        self.rate = name_widget(plain_label(self), "import_rate", "Records imported and records per second")
        self.start_button = name_widget(QPushButton("Import", self), "start_import", "Start the import")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = name_widget(QPushButton("Cancel import", self), "cancel_import", "Cancel the import")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = name_widget(QPushButton("Close", self), "close_import", "Close")
        self.close_button.clicked.connect(self.reject)
        self.summary = ImportSummaryView(self)
        self.summary_area = name_widget(QScrollArea(self), "import_summary_area", "Import summary")
        self.summary_area.setWidget(self.summary)
        self.summary_area.setWidgetResizable(True)
        self.summary_area.setFrameShape(QScrollArea.Shape.NoFrame)
        # "Show affected contacts": this dialog gets out of the way first, then the window filters its list.
        self.summary.show_contacts.connect(lambda _ids, _label: self.accept())
        top = QHBoxLayout()
        top.addWidget(plain_label("Location:", self))
        top.addWidget(self.location, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.clear_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary.open_affected)  # beside Close, never scrolled out of sight
        buttons.addWidget(self.rate, 1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.files)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary_area, 1)
        layout.addLayout(buttons)
        self._show_stage("setup")

    def _show_stage(self, stage: str) -> None:
        running = stage == "running"
        for widget in (self.add_button, self.clear_button, self.location, self.files):
            widget.setEnabled(not running)
        self.progress.setVisible(stage == "running")
        self.cancel_button.setVisible(running)
        self.start_button.setVisible(stage == "setup")
        self.summary_area.setVisible(stage == "done")
        self.summary.open_affected.setVisible(stage == "done")
        self.files.setVisible(stage != "done")
        self._update_start()

    def pick_files(self) -> None:
        """Add files from the file dialog; their folder is where the next one starts."""
        picked = self.choose_files(self)
        if picked:
            self.settings.setValue(FOLDER_KEY, str(picked[0].resolve().parent))
            self.add_files(picked)

    def add_files(self, paths: list[Path]) -> None:
        self.set_files(self.paths + [p for p in paths if p not in self.paths])

    def set_files(self, paths: list[Path]) -> None:
        self.paths = list(paths)
        self.files.setRowCount(len(self.paths))
        self._formats: list[str | None] = []
        bad: list[str] = []
        for row, path in enumerate(self.paths):
            fmt, words = describe_format(path)
            self._formats.append(fmt)
            if fmt is None:
                bad.append(words)
            size = plural(path.stat().st_size, "byte") if path.is_file() else ""
            for col, text in enumerate((path.name, words, size)):
                item = QTableWidgetItem(text)
                item.setToolTip(str(path) if col == 0 else text)
                self.files.setItem(row, col, item)
        self.problem.setText("Cannot import: " + "; ".join(bad) if bad else "")
        self._show_stage("setup")

    def _update_start(self) -> None:
        formats = getattr(self, "_formats", [])
        self.start_button.setEnabled(bool(self.paths) and all(formats) and self.job is None)

    def start(self) -> None:
        if not self.paths or self.job is not None:
            return
        self.problem.setText("")
        job = ImportJob(self._ctx, self.paths, self.location.currentText(), self._actor, runner=self._runner)
        job.signals.progress.connect(self._on_progress)
        job.signals.finished.connect(self._on_finished)
        job.signals.failed.connect(self._on_failed)
        job.signals.crashed.connect(self._on_crashed)
        job.signals.waiting.connect(self.rate.setText)
        self.job = job
        self.progress.setRange(0, 0)
        self.rate.setText("Starting...")
        self._show_stage("running")
        import_pool().start(job)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            asks = "Asking the team's writer to cancel the import (what it committed is kept)..."
            self.rate.setText(asks if self.job.forwarded else "Cancelling after the records in hand...")
            self.cancel_button.setEnabled(False)

    def _on_progress(self, progress: Any) -> None:
        total = max(int(progress.bytes_total), 1)
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * min(progress.bytes_done, total) / total))
        rate = progress.records / progress.elapsed_s if progress.elapsed_s > 0 else 0.0
        self.progress.setFormat(f"{Path(progress.file).name}: %p%")
        self.rate.setText(f"{plural(int(progress.records), 'record')}, {rate:,.0f} records/s")

    def _finish_job(self) -> None:
        self.job = None
        self.cancel_button.setEnabled(True)

    def _on_finished(self, summary: Any) -> None:
        affected = self.job.affected if self.job is not None else None
        files = self.job.files if self.job is not None else None
        self._finish_job()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.summary.show_summary(summary, affected, files)
        self.rate.setText("")  # the summary's headline says done or cancelled, once
        self._show_stage("done")
        self.imported.emit(summary)

    def _on_failed(self, message: str) -> None:
        self._finish_job()
        self.rate.setText("")
        self.problem.setText(message)
        self._show_stage("setup")

    def _on_crashed(self, details: str) -> None:
        self._finish_job()
        self.rate.setText("")
        self.problem.setText("The import stopped on an unexpected error; see the error report.")
        self._show_stage("setup")
        self.crashed.emit(details)

    def reject(self) -> None:
        if self.job is not None:
            self.cancel()
            return
        super().reject()
