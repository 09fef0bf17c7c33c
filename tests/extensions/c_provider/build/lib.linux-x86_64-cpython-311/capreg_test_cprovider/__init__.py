"""capreg test provider written in C.

Deliberately empty: importing this package does NOT import the native provider module
``capreg_test_cprovider.deep.nested._native``. capreg's discovery must find and import that
nested module on its own, through the ``cstrings`` entry point.
"""
