/*
 * Helpers shared by the C test extensions (capreg_test_cconsumer, capreg_test_cprovider._tools):
 * reading a capreg_error back as Python values and handing the registry private string copies.
 * Include after Python.h and capreg.h. All `static inline`, so a module that uses only some of
 * them compiles cleanly under -Wall -Werror.
 */
#ifndef CAPREG_TEST_HELPERS_H
#define CAPREG_TEST_HELPERS_H

#include <string.h>

/* The message of *err as a str (invalid UTF-8 replaced, never read past the buffer). */
static inline PyObject *error_message(const capreg_error *err)
{
    size_t n = 0;
    while (n < CAPREG_MESSAGE_CAPACITY && err->message[n] != '\0')
        n++;
    return PyUnicode_DecodeUTF8(err->message, (Py_ssize_t)n, "replace");
}

static inline void error_reset(capreg_error *err)
{
    memset(err, 0, sizeof(*err));
    err->code = -12345; /* the registry must overwrite it on failure */
}

/* The message, marked if err->code disagrees with the returned code. New reference or NULL. */
static inline PyObject *checked_message(int rc, const capreg_error *err)
{
    PyObject *message = error_message(err), *marked;

    if (message == NULL || err->code == rc)
        return message;
    marked = PyUnicode_FromFormat("%U [capreg_test: err.code %d differs from the returned "
                                  "code %d]",
                                  message, err->code, rc);
    Py_DECREF(message);
    return marked;
}

/* Appends (case, code, message) to list; message "" when err is NULL or rc is 0. Returns 0, or
 * -1 with an exception set. */
static inline int record(PyObject *list, const char *case_name, int rc, const capreg_error *err)
{
    PyObject *message, *entry;
    int status;

    if (err == NULL || rc == CAPREG_OK)
        message = PyUnicode_FromString("");
    else
        message = checked_message(rc, err);
    if (message == NULL)
        return -1;
    entry = Py_BuildValue("(siN)", case_name, rc, message);
    if (entry == NULL)
        return -1;
    status = PyList_Append(list, entry);
    Py_DECREF(entry);
    return status;
}

/* A private heap copy of a str's UTF-8 (PyMem_Free it), or NULL for None. 0, or -1 with an
 * exception set. */
static inline int copy_str_or_none(PyObject *obj, const char *what, char **out)
{
    PyObject *bytes;
    char *buffer;
    Py_ssize_t length;

    *out = NULL;
    if (obj == Py_None)
        return 0;
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be str or None, not %R", what,
                     (PyObject *)Py_TYPE(obj));
        return -1;
    }
    bytes = PyUnicode_AsUTF8String(obj);
    if (bytes == NULL)
        return -1;
    if (PyBytes_AsStringAndSize(bytes, &buffer, &length) < 0) {
        Py_DECREF(bytes);
        return -1;
    }
    if ((size_t)length != strlen(buffer)) {
        Py_DECREF(bytes);
        PyErr_Format(PyExc_ValueError, "%s must not contain NUL characters", what);
        return -1;
    }
    *out = (char *)PyMem_Malloc((size_t)length + 1);
    if (*out == NULL) {
        Py_DECREF(bytes);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(*out, buffer, (size_t)length + 1);
    Py_DECREF(bytes);
    return 0;
}

#endif /* CAPREG_TEST_HELPERS_H */
