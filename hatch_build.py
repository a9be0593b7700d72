"""Build hook: compile auditor/_walk.pyx (the layout walk and its bulk readers, through Cython and lxml's C API)
into the wheel.

Without a C compiler the package still installs, running the Python references the compiled code is tested
against (auditor/layout.py's `walk` and the rest), and says so when it runs (auditor/native.py warns; `auditor
--version` names the implementation in use); set AUDITOR_REQUIRE_COMPILED=1 to make a failed build an error instead."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompiledWalk(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        try:
            built = compile_walk(Path(self.root))
        except Exception as exc:  # a missing compiler or header: the Python references serve
            if os.environ.get("AUDITOR_REQUIRE_COMPILED"):
                raise
            self.app.display_warning(
                f"auditor/_walk.pyx was not compiled ({exc}); the package will run its Python references, more "
                "slowly, and warn when imported (AUDITOR_PURE_PYTHON=1 chooses them without the warning)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports the module from the source tree, where it was built
            build_data["force_include"][str(built)] = f"auditor/{built.name}"


def compile_walk(root: Path) -> Path:
    """Compile auditor/_walk.pyx beside itself; returns the built module's path."""
    import lxml
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    source = root / "auditor" / "_walk.pyx"
    extension = Extension("auditor._walk", [str(source)], include_dirs=lxml.get_include())  # type: ignore[attr-defined]
    modules = cythonize([extension], build_dir=str(root / "build" / "cython"), quiet=True)
    command = Distribution({"ext_modules": modules}).get_command_obj("build_ext")
    command.build_temp = str(root / "build" / "temp")
    command.build_lib = str(root)  # the module lands at auditor/_walk.<abi>.so, beside its source
    command.ensure_finalized()
    command.run()
    (built,) = (Path(path) for path in command.get_outputs())
    return built
