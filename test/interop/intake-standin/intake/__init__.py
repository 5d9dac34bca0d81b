"""A STAND-IN for `intake` + `intake-esm`, used only by fairpod's interop test (test/interop/mdtfPods.test.ts).

MDTF's example_multicase POD does `import intake` and calls `intake.open_esm_datastore(json)`, `.search(...)`,
`.to_dataset_dict(xarray_open_kwargs=...)` and `.close()`. Debian ships `python3-intake` (0.6) but not the
intake-esm plugin that provides `open_esm_datastore`, so this module provides just those calls, backed by
pandas and xarray, with intake-esm's semantics for them: the catalog's CSV (`catalog_file`, relative to the
JSON) is read as strings; `search` keeps rows whose column equals one of the values; `to_dataset_dict` groups
rows by `aggregation_control.groupby_attrs`, keys each group by its values joined with '.', and merges the
group's files. It is not intake, and nothing outside the test puts it on PYTHONPATH.
"""
import json
import os

import pandas as pd
import xarray as xr

__version__ = "0.0-fairpod-test-standin"


class esm_datastore:
    def __init__(self, esmcat, df):
        self.esmcat = esmcat
        self.df = df

    def search(self, **query):
        df = self.df
        for column, value in query.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            df = df[df[column].isin([str(v) for v in values])]
        return esm_datastore(self.esmcat, df)

    def to_dataset_dict(self, xarray_open_kwargs=None, **_ignored):
        groupby = self.esmcat.get("aggregation_control", {}).get("groupby_attrs", [])
        path_column = self.esmcat["assets"]["column_name"]
        groups = self.df.groupby(groupby) if groupby else [("", self.df)]
        datasets = {}
        for key, rows in groups:
            key = ".".join(key) if isinstance(key, tuple) else str(key)
            opened = [xr.open_dataset(p, **(xarray_open_kwargs or {})) for p in rows[path_column]]
            datasets[key] = xr.merge(opened)
        return datasets

    def close(self):
        pass


def open_esm_datastore(obj, **_ignored):
    with open(obj) as f:
        esmcat = json.load(f)
    table = esmcat["catalog_file"]
    if not os.path.isabs(table):
        table = os.path.join(os.path.dirname(os.path.abspath(obj)), table)
    return esm_datastore(esmcat, pd.read_csv(table, dtype=str, keep_default_na=False))
