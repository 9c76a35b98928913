"""Ray for the commands that scale out (`score --ray`, `curate --ray`): import it or say how to install it, and
start a local Ray or join a cluster."""

from __future__ import annotations

import logging
import os
from typing import Any

from mathreward.errors import UserError

__all__ = ["RAY_INSTALL_HINT", "RayUnavailable", "import_ray", "quiet_data_context", "start_ray"]

RAY_INSTALL_HINT = "--ray needs Ray Data: pip install 'mathreward[ray]' (or pip install 'ray[data]')"


class RayUnavailable(UserError):
    """Ray is not installed (one line for the user saying how to install it)."""


def import_ray() -> Any:
    """The ``ray`` module with Ray Data, or ``RayUnavailable`` naming the install command."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is the part needed
    except ImportError:
        raise RayUnavailable(RAY_INSTALL_HINT) from None
    return ray


def start_ray(address: str | None, cpus: int | None) -> tuple[Any, bool]:
    """(ray, started_here): the running Ray if there is one, else joins ``address`` (a cluster started with ``ray
    start --head``) or starts a local Ray with ``cpus`` CPUs (default: all)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=cpus or os.cpu_count() or 1, **options)
    return ray, True


def quiet_data_context(progress: bool) -> Any:
    """Ray Data's context set for our pipelines: input order kept, progress bars only when asked for."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = progress
    if not progress:
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    return context
