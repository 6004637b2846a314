"""Adapters that put third-party implementations of losses behind the
implementation protocol of `lossoracle certify` (docs/protocol.md), one
runnable module per library:

    lossoracle certify --impl 'external:PYTHONPATH=python python3 -m lossoracle_adapters.pytorch' ...

Each adapter imports its library and calls it; none copies the library's code.
"""
