"""The MASH manager's management information: the dashboard at ``/reports`` and Ofsted's
Annex A List 1 downloads. The pages call the same reporting service as the API, so they
pass the same ``require()`` and write the same audit entries."""
