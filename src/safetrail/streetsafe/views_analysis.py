"""Scaffold: being written (replace this whole file)."""

from django.http import Http404


def dashboard(request, **kwargs):
    raise Http404


def hotspots_page(request, **kwargs):
    raise Http404


def actions(request, **kwargs):
    raise Http404


def action_detail(request, **kwargs):
    raise Http404


def police_data(request, **kwargs):
    raise Http404


def cells_csv(request, **kwargs):
    raise Http404


def cells_geojson(request, **kwargs):
    raise Http404


def points_csv(request, **kwargs):
    raise Http404


def points_geojson(request, **kwargs):
    raise Http404
