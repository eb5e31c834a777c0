"""Scaffold: being written (replace this whole file)."""

from django.http import Http404


def openapi(request, **kwargs):
    raise Http404


def challenge(request, **kwargs):
    raise Http404


def reports(request, **kwargs):
    raise Http404


def public_cells(request, **kwargs):
    raise Http404


def public_actions(request, **kwargs):
    raise Http404


def analysis_cells(request, **kwargs):
    raise Http404


def analysis_hotspots(request, **kwargs):
    raise Http404


def analysis_trend(request, **kwargs):
    raise Http404
