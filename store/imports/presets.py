"""Export columns of HubSpot and Salesforce per object, and their picklist values, mapped to our fields.

Column names are those of HubSpot's CSV exports (properties by label: "First Name", "Contact owner",
"Record ID") and of Salesforce's report and Data Export files (field labels: "Opportunity Name", "Stage",
"Probability (%)", "Opportunity Owner"). Headers are compared loosely (`values.key`), so "Job title" and
"Job Title" are one column. Reference fields (`account`, `owner`, `parent_account`, `primary_contact`,
`requester`, `assignee`, `reporting_to`) name other records by their natural key: account name, email, or a
user's email or full name.
"""

from __future__ import annotations

from typing import Literal

Preset = Literal["hubspot", "salesforce"]

COLUMNS: dict[str, dict[str, dict[str, str]]] = {
    "hubspot": {
        "products": {  # Products export (Sales > Products)
            "Record ID": "external_id", "Name": "name", "SKU": "sku", "Unit price": "unit_price",
            "Billing frequency": "billing", "Currency": "currency",
        },
        "contacts": {
            "Record ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
            "Phone Number": "phone", "Mobile Phone Number": "mobile", "Job Title": "title", "Department": "department",
            "Company Name": "account", "Associated Company": "account", "Lifecycle Stage": "lifecycle_stage",
            "Contact owner": "owner", "LinkedIn Profile": "linkedin_url",
        },
        "leads": {
            "Record ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
            "Phone Number": "phone", "Company Name": "company", "Job Title": "title", "Industry": "industry",
            "Original Source": "source", "Lead Status": "status", "Contact owner": "owner",
            "Number of Employees": "company_size",
        },
        "accounts": {
            "Record ID": "external_id", "Company name": "account_name", "Name": "account_name", "Industry": "industry",
            "Type": "type", "Website URL": "website", "Company Domain Name": "website", "Phone Number": "phone",
            "Number of Employees": "employees", "Annual Revenue": "annual_revenue", "Parent Company": "parent_account",
            "Company owner": "owner",
        },
        "deals": {
            "Record ID": "external_id", "Deal Name": "deal_name", "Deal Stage": "stage", "Amount": "amount",
            "Close Date": "close_date", "Deal owner": "owner", "Deal Type": "type", "Associated Company": "account",
            "Associated Contact": "primary_contact", "Closed Lost Reason": "lost_reason", "Currency": "currency",
            "Deal probability": "probability", "Original Source": "lead_source",
        },
        "tickets": {
            "Record ID": "external_id", "Ticket name": "subject", "Ticket description": "description",
            "Ticket status": "status", "Pipeline stage": "status", "Priority": "priority", "Source": "channel",
            "Ticket owner": "assignee", "Associated Contact": "requester", "Associated Company": "account",
            "Product": "product",
        },
    },
    "salesforce": {
        "products": {  # Product2 with its standard price book entry (a "Products with Price Books" report)
            "Product ID": "external_id", "Product Name": "name", "Product Code": "sku", "List Price": "unit_price",
            "Active": "active", "Product Currency": "currency",
        },
        "contacts": {
            "Contact ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
            "Phone": "phone", "Mobile": "mobile", "Mobile Phone": "mobile", "Title": "title", "Department": "department",
            "Account Name": "account", "Contact Owner": "owner", "Reports To": "reporting_to",
        },
        "leads": {
            "Lead ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
            "Phone": "phone", "Company / Account": "company", "Company": "company", "Title": "title",
            "Industry": "industry", "Lead Source": "source", "Lead Status": "status", "Lead Owner": "owner",
            "No. of Employees": "company_size",
        },
        "accounts": {
            "Account ID": "external_id", "Account Name": "account_name", "Type": "type", "Industry": "industry",
            "Website": "website", "Phone": "phone", "Employees": "employees", "Annual Revenue": "annual_revenue",
            "Parent Account": "parent_account", "Account Owner": "owner",
        },
        "deals": {
            "Opportunity ID": "external_id", "Opportunity Name": "deal_name", "Account Name": "account",
            "Amount": "amount", "Close Date": "close_date", "Stage": "stage", "Probability (%)": "probability",
            "Type": "type", "Lead Source": "lead_source", "Opportunity Owner": "owner",
            "Opportunity Currency": "currency", "Loss Reason": "lost_reason", "Primary Contact": "primary_contact",
        },
        "tickets": {
            "Case Number": "external_id", "Case ID": "external_id", "Subject": "subject", "Description": "description",
            "Status": "status", "Priority": "priority", "Case Origin": "channel", "Contact Email": "requester",
            "Account Name": "account", "Case Owner": "assignee", "Product": "product",
        },
    },
}

# Picklist values of both systems (compared loosely) -> ours; used with or without a preset.
VALUES: dict[str, dict[str, str]] = {
    "billing": {  # HubSpot's recurring billing frequency; "once" for one-time products
        "annually": "annual", "yearly": "annual", "per_year": "annual", "month": "monthly", "per_month": "monthly",
        "one_time": "one_time", "onetime": "one_time", "once": "one_time", "none": "one_time",
    },
    "lifecycle_stage": {
        "marketing_qualified_lead": "lead", "sales_qualified_lead": "lead", "mql": "lead", "sql": "lead",
        "evangelist": "advocate", "other": "lead", "marketingqualifiedlead": "lead", "salesqualifiedlead": "lead",
    },
    "stage": {
        # HubSpot's default sales pipeline (labels and internal values)
        "appointment_scheduled": "prospecting", "appointmentscheduled": "prospecting",
        "qualified_to_buy": "qualification", "qualifiedtobuy": "qualification",
        "presentation_scheduled": "proposal", "presentationscheduled": "proposal",
        "decision_maker_bought_in": "proposal", "decisionmakerboughtin": "proposal",
        "contract_sent": "negotiation", "contractsent": "negotiation", "closedwon": "closed_won", "closedlost": "closed_lost",
        # Salesforce's default opportunity stages
        "needs_analysis": "qualification", "value_proposition": "proposal", "id_decision_makers": "proposal",
        "perception_analysis": "proposal", "proposal_price_quote": "proposal", "negotiation_review": "negotiation",
    },
    "type": {
        "new_customer": "new_business", "existing_business": "upsell", "existing_customer_upgrade": "upsell",
        "existing_customer_replacement": "renewal", "existing_customer_downgrade": "renewal",
        "reseller": "partner", "competitor": "prospect", "customer_direct": "customer", "customer_channel": "customer",
        "technology_partner": "partner", "channel_partner_reseller": "partner", "installation_partner": "partner",
        "integrator": "partner", "press": "prospect", "other": "prospect",
    },
    "source": {
        "web": "website", "organic_search": "website", "direct_traffic": "website", "paid_search": "website",
        "email_marketing": "website", "other_campaigns": "website", "advertisement": "website",
        "referrals": "referral", "partner_referral": "referral", "employee_referral": "referral",
        "external_referral": "referral", "word_of_mouth": "referral", "partner": "referral",
        "trade_show": "event", "seminar_internal": "event", "seminar_partner": "event", "offline_sources": "event",
        "phone_inquiry": "cold_call", "purchased_list": "cold_call", "other": "cold_call",
        "social_media": "social_media", "organic_social": "social_media", "paid_social": "social_media",
    },
    "channel": {"e_mail": "email", "form": "web", "chat_widget": "widget"},
}
# Values whose meaning depends on the record type.
RESOURCE_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "leads": {"status": {  # HubSpot lead status, Salesforce lead status
        "open": "new", "open_not_contacted": "new", "attempted_to_contact": "contacted", "in_progress": "contacted",
        "connected": "contacted", "working_contacted": "contacted", "open_deal": "qualified", "bad_timing": "lost",
        "unqualified": "lost", "closed_not_converted": "lost", "closed_converted": "converted",
    }},
    "tickets": {"status": {  # HubSpot ticket pipeline, Salesforce case status
        "new": "open", "waiting_on_contact": "pending", "waiting_on_us": "open", "working": "open", "escalated": "open",
    }},
}
