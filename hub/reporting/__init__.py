"""Management information: the manager's dashboard and Ofsted's Annex A lists."""
