"""Sensitivity results as data: a long DataFrame (:func:`tidy`) and a NetCDF or Zarr
round trip (:func:`save`, :func:`load`) that keeps the reproducibility record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..inputs.safety import (
    OutputRefusedError,
    is_own_output,
    record_output,
    staging_dir,
    write_csv,
)

# --------------------------------------------------------------------------- results I/O


def tidy(ds: xr.Dataset) -> pd.DataFrame:
    """A long (tidy) DataFrame: one row per coordinate combination, one column per
    variable, with the ID columns (``site``, ``parameter``, ``sample``...) as columns."""
    return (
        ds.drop_vars(
            [v for v in ds.data_vars if ds[v].dtype.kind in "OU" and ds[v].ndim == 0]
        )
        .to_dataframe()
        .reset_index()
    )


def save(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a result to NetCDF (``.nc``, via h5netcdf), Zarr (``.zarr``) or CSV
    (``.csv``: the :func:`tidy` table, per-site summary without the draws, text cells
    escaped against spreadsheet formulas), atomically. An existing folder (a ``.zarr``
    store) is replaced only if dsc-econ wrote it
    (:func:`dsc_econ.inputs.safety.is_own_output`); anything else is never deleted."""
    import os
    import shutil

    target = Path(path)
    if target.suffix == ".csv":
        if "sample" in ds.dims:  # a CSV holds the per-site summary, not every draw
            ds = ds.drop_vars([v for v in ds.variables if "sample" in ds[v].dims])
            ds = ds.drop_dims([d for d in ("sample", "parameter", "input") if d in ds.dims])
        write_csv(tidy(ds), target, index=False)
        return target
    with staging_dir(target.parent) as tmp:
        staged = tmp / target.name
        if target.suffix == ".zarr":
            try:
                import zarr  # noqa: F401
            except ImportError:
                raise ValueError(
                    f"{target}: writing Zarr needs the zarr package (pip install "
                    "'dsc-econ[scale]'); or use a .nc file name"
                ) from None
            ds.to_zarr(staged, mode="w")
        elif target.suffix in (".nc", ".nc4", ".h5"):
            ds.to_netcdf(staged, engine="h5netcdf")
        else:
            raise ValueError(
                f"{target}: use a .nc or .zarr file name (or .csv for the summary table)"
            )
        if target.is_dir() and not target.is_symlink():
            if not is_own_output(target):  # never delete a folder the package did not write
                raise OutputRefusedError(
                    f"{target}: is an existing folder that dsc-econ did not write; "
                    "nothing in it was touched, choose another name"
                )
            shutil.rmtree(target)
        os.replace(staged, target)
        record_output(target)
    return target


def load(path: str | Path) -> xr.Dataset:
    """Read a result written by :func:`save`."""
    target = Path(path)
    if target.suffix == ".zarr":
        return xr.open_zarr(target).load()
    return xr.load_dataset(target, engine="h5netcdf")
