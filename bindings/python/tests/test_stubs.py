"""The type stubs shipped beside the extension (eventify/_eventify.pyi) name exactly the classes,
methods and properties the extension defines, so that a type checker sees the real API."""

import ast
import inspect
import os

import eventify
from eventify import _eventify

STUBS = os.path.join(os.path.dirname(_eventify.__file__), "_eventify.pyi")


def stub_classes():
    tree = ast.parse(open(STUBS).read())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            classes[node.name] = {item.name for item in node.body
                                  if isinstance(item, ast.FunctionDef)
                                  and (not item.name.startswith("_") or item.name in
                                       ("__iter__", "__next__"))}
            classes[node.name] |= {item.target.id for item in node.body
                                   if isinstance(item, ast.AnnAssign)}
    return classes


def module_classes():
    classes = {}
    for name, value in vars(_eventify).items():
        if not inspect.isclass(value) or name.startswith("_"):
            continue
        if issubclass(value, BaseException):
            classes[name] = ({"code", "reason", "message", "field", "retry_after"}
                             if name == "EventifyError" else set())
            continue
        classes[name] = {member for member in vars(value)
                         if not member.startswith("_") or member in ("__iter__", "__next__")}
    return classes


def test_the_stubs_name_what_the_extension_defines():
    assert stub_classes() == module_classes()


def test_the_package_exports_the_extension_and_the_outbox_reader():
    for name in module_classes():
        assert getattr(eventify, name) is getattr(_eventify, name)
    assert callable(eventify.latest_code) and callable(eventify.read_outbox)
