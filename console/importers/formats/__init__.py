"""The built-in provider formats, one module per provider; each module registers its formats on import.

``console.importers.registry`` imports every module of this package on first use (in a parsing process too), so a
new module here is a new format everywhere: detection, ``--format``, reading, splitting, the window's file filter.
"""
