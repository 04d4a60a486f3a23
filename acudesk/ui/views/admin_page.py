"""The administration page lives in the package acudesk.ui.views.admin; this keeps old imports."""

from acudesk.ui.views.admin.page import AdminPage as AdminPage
