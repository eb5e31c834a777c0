"""Scaffold: being written (replace this whole file)."""

from django.http import Http404


def queue(request, **kwargs):
    raise Http404


def log(request, **kwargs):
    raise Http404


def report(request, **kwargs):
    raise Http404
