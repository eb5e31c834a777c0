"""Scaffold: being written (replace this whole file)."""

from django.http import Http404


def map_page(request, **kwargs):
    raise Http404


def table(request, **kwargs):
    raise Http404


def cells_csv(request, **kwargs):
    raise Http404


def cells_geojson(request, **kwargs):
    raise Http404


def api_docs(request, **kwargs):
    raise Http404
