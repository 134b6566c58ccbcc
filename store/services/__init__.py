"""Business rules of the CRM, one service per aggregate, shared by the API, the tools and the CLI."""

from store.services.accounts import AccountService, Rollup
from store.services.contacts import ContactService
from store.services.deals import DealService
from store.services.emails import EmailService
from store.services.engagements import EngagementService
from store.services.leads import Conversion, LeadService
from store.services.orders import OrderRollup, OrderService
from store.services.pipeline import Pipeline, PipelineService
from store.services.products import ProductService
from store.services.quotes import QuoteService
from store.services.tasks import TaskService
from store.services.tickets import TicketService
from store.services.views import ViewService

__all__ = [
    "AccountService",
    "ContactService",
    "Conversion",
    "DealService",
    "EmailService",
    "EngagementService",
    "LeadService",
    "OrderRollup",
    "OrderService",
    "Pipeline",
    "PipelineService",
    "ProductService",
    "QuoteService",
    "Rollup",
    "TaskService",
    "TicketService",
    "ViewService",
]
