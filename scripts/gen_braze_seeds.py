#!/usr/bin/env python3
"""Generate the synthetic Braze data of the sample project (seeds/braze/*.csv).

The tables mimic what the Fivetran Braze connector lands in Snowflake (see the
project's notes on Braze data): one table per kind of event, versioned campaign
and canvas tables, and a user table. Everything is driven by one fixed random
seed and a fixed calendar window (2024-01-01 .. 2024-06-30, UTC), so running the
script twice writes byte-identical files and nothing depends on today's date.

Quirks of real connector data that the staging models must handle are put in on
purpose:
  * at-least-once delivery: some event rows appear twice, byte for byte;
  * event_type is the short name (``Open``) for events before 2024-04-01 and the
    full Currents name (``users.messages.email.Open``) from then on;
  * some events carry only the Braze ``user_id`` (anonymous users, and events
    sent before the SDK identified a user), with ``external_user_id`` empty;
  * campaigns, canvases and canvas steps have several versions (one row per
    ``updated_at``) and names change between versions; events point at the
    version that was current when they happened;
  * email security scanners click links seconds after delivery
    (``is_suspected_bot_click``) and Apple Mail Privacy Protection opens every
    message (``machine_open``);
  * a few purchase rows are soft-deleted (``_fivetran_deleted = true``);
  * external ids look numeric and have leading zeros (they must stay text).

Usage: python3 scripts/gen_braze_seeds.py [--out seeds/braze]
Standard library only.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import uuid

SEED = 20240630
WINDOW_START = dt.datetime(2024, 1, 1)
WINDOW_END = dt.datetime(2024, 6, 30, 12, 0, 0)  # last event; syncs land by 2024-06-30 18:00
CURRENTS_SWITCH = dt.datetime(2024, 4, 1)  # full Currents event names from this instant on
N_USERS = 300
CONVERSION_HOURS = 48  # conversions happen within this many hours of the engagement

rng = random.Random(SEED)


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def new_uuid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_object_id():
    """Braze-style 24 hex digit id (user ids, dispatch ids, ...)."""
    return "%024x" % rng.getrandbits(96)


def ts(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def rand_time(start, end):
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(0, max(span, 0)))


def synced_at(event_time):
    """Fivetran load time: a few minutes to six hours after the event, never past the window."""
    value = event_time + dt.timedelta(seconds=rng.randint(300, 6 * 3600))
    return min(value, dt.datetime(2024, 6, 30, 18, 0, 0))


def boolstr(flag):
    return "true" if flag else "false"


def event_name(channel_prefix, short, when):
    if when >= CURRENTS_SWITCH:
        return channel_prefix + short
    return short


# ---------------------------------------------------------------------------
# reference data
# ---------------------------------------------------------------------------

FIRST = ["ana", "ben", "chloe", "dan", "eva", "finn", "gia", "hugo", "ines", "jon", "kai",
         "lea", "max", "nora", "omar", "pia", "quinn", "rosa", "sam", "tara", "uma", "vic",
         "wes", "xena", "yuki", "zoe"]
LAST = ["smith", "muller", "martin", "garcia", "silva", "brown", "dubois", "rossi", "kim",
        "novak", "lopez", "weber", "moreau", "costa", "khan"]
DOMAINS = ["gmail.com", "icloud.com", "yahoo.com", "outlook.com", "proton.me", "acme-corp.com"]
LOCALES = [  # country, language, timezone, currency, weight
    ("US", "en", "America/New_York", "USD", 30),
    ("US", "en", "America/Los_Angeles", "USD", 15),
    ("GB", "en", "Europe/London", "GBP", 12),
    ("DE", "de", "Europe/Berlin", "EUR", 12),
    ("FR", "fr", "Europe/Paris", "EUR", 9),
    ("ES", "es", "Europe/Madrid", "EUR", 6),
    ("BR", "pt", "America/Sao_Paulo", "BRL", 8),
    ("CA", "en", "America/Toronto", "CAD", 8),
]
FX_PER_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "BRL": 5.0, "CAD": 1.36}
PLANS = [("free", 60), ("plus", 28), ("premium", 12)]
CATEGORIES = ["shoes", "outerwear", "accessories", "running", "kids"]
PRODUCTS = [  # product_id, list price in USD
    ("sku-1001", 19.0), ("sku-1002", 29.0), ("sku-1003", 49.0), ("sku-1004", 79.0),
    ("sku-1005", 120.0), ("sku-1006", 9.5), ("sku-1007", 64.0), ("sku-1008", 150.0),
]
IOS_APP = "3f2a1c5e-1b7d-4e8a-9c0d-2e4f6a8b0c1d"
ANDROID_APP = "7c9e2b4d-5a6f-4c1e-8b3d-9f0a1e2c3d4e"
WEB_APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; iOS 17_4)",
    "Mozilla/5.0 (Macintosh)",
    "Mozilla/5.0 (Windows NT 10.0)",
    "Mozilla/5.0 (Linux; Android 14)",
]
SCANNER_AGENT = "LinkScanner/2.1"


def weighted(choices):
    total = sum(w for *_, w in choices)
    pick = rng.uniform(0, total)
    for item in choices:
        pick -= item[-1]
        if pick <= 0:
            return item
    return choices[-1]


# ---------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------

class User:
    pass


def make_users():
    users = []
    used_external = set()
    for i in range(N_USERS):
        u = User()
        u.braze_id = new_object_id()
        u.anonymous = rng.random() < 0.07
        if u.anonymous:
            u.external_id = ""
        else:
            while True:
                ext = "%07d" % rng.randint(1000, 999999)
                if ext not in used_external:
                    used_external.add(ext)
                    break
            u.external_id = ext
        country, language, tz, currency, _ = weighted(LOCALES)
        u.country, u.language, u.timezone, u.currency = country, language, tz, currency
        u.created_at = (rand_time(dt.datetime(2023, 6, 1), dt.datetime(2023, 12, 31, 23))
                        if rng.random() < 0.6 else
                        rand_time(WINDOW_START, dt.datetime(2024, 6, 20)))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        u.has_email = (not u.anonymous) and rng.random() < 0.93
        if u.has_email:
            domain = rng.choice(DOMAINS)
            u.email = "%s.%s%d@%s" % (first, last, i, domain)
            u.corporate = domain == "acme-corp.com"
            u.apple_mail = domain == "icloud.com" or rng.random() < 0.2
            u.bad_email = rng.random() < 0.025
        else:
            u.email, u.corporate, u.apple_mail, u.bad_email = "", False, False, False
        u.phone = ("+%d%09d" % (rng.choice([1, 44, 49, 33]), rng.randint(0, 999999999))
                   if not u.anonymous and rng.random() < 0.55 else "")
        # push devices: (device_id, app_id, uninstalled_at or None)
        u.devices = []
        if u.anonymous or rng.random() < 0.68:
            for _ in range(2 if rng.random() < 0.15 else 1):
                app = IOS_APP if rng.random() < 0.55 else ANDROID_APP
                gone = (rand_time(WINDOW_START, WINDOW_END) if rng.random() < 0.08 else None)
                u.devices.append((new_uuid(), app, gone))
        u.plan = weighted(PLANS)[0] if not u.anonymous else ""
        u.favorite_category = rng.choice(CATEGORIES) if rng.random() < 0.8 else ""
        # behaviour
        tier = rng.random()
        if tier < 0.18:
            u.open_p = rng.uniform(0.0, 0.03)
        else:
            u.open_p = rng.uniform(0.15, 0.75)
        u.click_p = rng.uniform(0.1, 0.5)
        u.push_open_p = rng.uniform(0.03, 0.35)
        u.churn_at = rand_time(WINDOW_START, WINDOW_END) if rng.random() < 0.35 else None
        u.newsletter = u.has_email and rng.random() < 0.5
        u.email_unsub_at = None
        u.email_invalid_at = None
        u.user_key = u.external_id or u.braze_id
        users.append(u)
    return users


def engaged(u, when):
    return u.churn_at is None or when < u.churn_at


# ---------------------------------------------------------------------------
# campaigns, canvases
# ---------------------------------------------------------------------------

def campaign(name_versions, created, schedule_type, channels, dispatches, audience,
             variations=1, archived_last=False, transactional=False):
    return {
        "id": new_uuid(),
        "versions": name_versions,  # [(updated_at, name)]
        "created_at": created,
        "schedule_type": schedule_type,
        "channels": channels,
        "dispatches": dispatches,
        "audience": audience,
        "variations": [new_uuid() for _ in range(variations)],
        "archived_last": archived_last,
        "transactional": transactional,
    }


D = dt.datetime


def make_campaigns():
    bimonthly = [D(2024, 1, 9, 15), D(2024, 3, 12, 15), D(2024, 5, 14, 15)]
    return [
        campaign([(D(2023, 12, 20, 10), "Newsletter"),
                  (D(2024, 2, 20, 9, 30), "Monthly Newsletter"),
                  (D(2024, 5, 1, 8), "Monthly Newsletter (2024)")],
                 D(2023, 12, 20, 10), "time_based", {"email"}, bimonthly, "newsletter"),
        campaign([(D(2024, 2, 26, 11), "Spring Sale 2024 - draft"),
                  (D(2024, 3, 1, 16), "Spring Sale 2024")],
                 D(2024, 2, 26, 11), "time_based", {"email"},
                 [D(2024, 3, 5, 14), D(2024, 3, 19, 14)], 0.35, variations=2),
        campaign([(D(2024, 2, 10, 12), "Flash Deal")],
                 D(2024, 2, 10, 12), "time_based", {"push"},
                 [D(2024, 2, 14, 18), D(2024, 5, 24, 18)], 0.5),
        campaign([(D(2024, 6, 10, 9), "Summer Preview"),
                  (D(2024, 6, 14, 15), "Summer Preview 2024")],
                 D(2024, 6, 10, 9), "time_based", {"email", "push"}, [D(2024, 6, 18, 16)], 0.5),
        campaign([(D(2024, 5, 8, 10), "Win-back Offer")],
                 D(2024, 5, 8, 10), "time_based", {"email"}, [D(2024, 5, 15, 13)], "winback"),
        campaign([(D(2024, 3, 28, 10), "App Update 5.0")],
                 D(2024, 3, 28, 10), "time_based", {"push"}, [D(2024, 4, 2, 17)], 0.5),
        campaign([(D(2024, 1, 15, 10), "Customer Survey"),
                  (D(2024, 3, 1, 10), "Customer Survey Q1 (archived)")],
                 D(2024, 1, 15, 10), "time_based", {"email"}, [D(2024, 1, 25, 15)], 0.4,
                 archived_last=True),
        campaign([(D(2023, 11, 2, 10), "Order Shipped"),
                  (D(2024, 4, 20, 10), "Order Shipped (transactional)")],
                 D(2023, 11, 2, 10), "api_triggered", {"email"}, [], "transactional",
                 transactional=True),
    ]


def make_canvases():
    onboarding = {
        "id": new_uuid(),
        "versions": [(D(2023, 12, 15, 10), "Onboarding"), (D(2024, 3, 10, 14), "Onboarding Journey")],
        "created_at": D(2023, 12, 15, 10),
        "variations": [new_uuid(), new_uuid()],
        # step: (id, [name per version], channel, delay after entry)
        "steps": [
            (new_uuid(), ["Welcome Email", "Welcome Email"], "email", dt.timedelta(minutes=5)),
            (new_uuid(), ["Day 3 Push", "Day 3 Nudge Push"], "push", dt.timedelta(days=3)),
            (new_uuid(), ["Day 7 Tips", "Day 7 Tips Email"], "email", dt.timedelta(days=7)),
        ],
    }
    cart = {
        "id": new_uuid(),
        "versions": [(D(2023, 10, 1, 9), "Cart Abandonment"),
                     (D(2024, 2, 1, 9), "Cart Abandonment Reminder"),
                     (D(2024, 5, 20, 9), "Cart Abandonment Reminder v3")],
        "created_at": D(2023, 10, 1, 9),
        "variations": [new_uuid()],
        "steps": [
            (new_uuid(), ["Reminder Push", "Reminder Push", "Reminder Push"], "push",
             dt.timedelta(hours=1)),
            (new_uuid(), ["Reminder Email", "Reminder Email", "Last Chance Email"], "email",
             dt.timedelta(hours=24)),
        ],
    }
    return [onboarding, cart]


def version_at(versions, when):
    """updated_at of the version current at `when` (versions sorted ascending)."""
    current = versions[0][0]
    for updated_at, *_ in versions:
        if updated_at <= when:
            current = updated_at
    return current


# ---------------------------------------------------------------------------
# event simulation
# ---------------------------------------------------------------------------

EMAIL_COLS = ["id", "user_id", "external_user_id", "campaign_id", "campaign_updated_at",
              "canvas_id", "canvas_updated_at", "canvas_step_id", "canvas_step_updated_at",
              "canvas_variation_id", "message_variation_id", "send_id", "dispatch_id",
              "email_address", "event_type", "time", "timezone", "url", "user_agent",
              "is_suspected_bot_click", "machine_open", "_fivetran_synced", "_fivetran_deleted"]
PUSH_COLS = ["id", "user_id", "external_user_id", "app_id", "device_id", "campaign_id",
             "campaign_updated_at", "canvas_id", "canvas_updated_at", "canvas_step_id",
             "canvas_variation_id", "message_variation_id", "send_id", "dispatch_id",
             "event_type", "time", "timezone", "_fivetran_synced", "_fivetran_deleted"]
CAMPAIGN_CONV_COLS = ["id", "user_id", "external_user_id", "app_id", "campaign_id",
                      "campaign_updated_at", "conversion_behavior_index", "message_variation_id",
                      "send_id", "event_type", "time", "timezone", "_fivetran_synced",
                      "_fivetran_deleted"]
CANVAS_CONV_COLS = ["id", "user_id", "external_user_id", "app_id", "canvas_id",
                    "canvas_updated_at", "canvas_step_id", "canvas_variation_id",
                    "conversion_behavior_index", "event_type", "time", "timezone",
                    "_fivetran_synced", "_fivetran_deleted"]
PURCHASE_COLS = ["id", "user_id", "external_user_id", "app_id", "device_id", "product_id",
                 "price", "currency", "properties", "time", "timezone", "_fivetran_synced",
                 "_fivetran_deleted"]
SUBSCRIPTION_COLS = ["id", "user_id", "external_user_id", "email_address",
                     "subscription_group_id", "subscription_status", "campaign_id", "canvas_id",
                     "send_id", "time", "timezone", "_fivetran_synced", "_fivetran_deleted"]

NEWSLETTER_GROUP = "9d0c4e2a-6f1b-4a3c-8e5d-7b2a1c0f9e8d"
PROMO_GROUP = "2b7e5f1a-3c4d-4e6f-9a8b-1c2d3e4f5a6b"


class Sim:
    def __init__(self, users):
        self.users = users
        self.email, self.push = [], []
        self.campaign_conv, self.canvas_conv = [], []
        self.purchases, self.subscriptions = [], []

    # identity columns of an event; a few events of identified users lack the external id
    def ids(self, u):
        ext = u.external_id
        if ext and rng.random() < 0.04:
            ext = ""
        return u.braze_id, ext

    def message_ref(self, msg):
        """campaign/canvas columns shared by every event of one message."""
        return {
            "campaign_id": msg.get("campaign_id", ""),
            "campaign_updated_at": ts(msg.get("campaign_updated_at")),
            "canvas_id": msg.get("canvas_id", ""),
            "canvas_updated_at": ts(msg.get("canvas_updated_at")),
            "canvas_step_id": msg.get("canvas_step_id", ""),
            "canvas_variation_id": msg.get("canvas_variation_id", ""),
            "message_variation_id": msg.get("message_variation_id", ""),
            "send_id": msg.get("send_id", ""),
            "dispatch_id": msg["dispatch_id"],
        }

    def email_event(self, u, msg, short, when, url="", agent="", bot=False, machine=None):
        user_id, ext = self.ids(u)
        row = {"id": new_uuid(), "user_id": user_id, "external_user_id": ext}
        row.update(self.message_ref(msg))
        row["canvas_step_updated_at"] = row["canvas_updated_at"] if row["canvas_step_id"] else ""
        row.update({
            "email_address": u.email,
            "event_type": event_name("users.messages.email.", short, when),
            "time": ts(when), "timezone": u.timezone, "url": url, "user_agent": agent,
            "is_suspected_bot_click": boolstr(bot) if short == "Click" else "",
            "machine_open": ("" if machine is None else boolstr(machine)),
            "_fivetran_synced": ts(synced_at(when)), "_fivetran_deleted": "false",
        })
        self.email.append(row)

    def push_event(self, u, device, msg, short, when):
        user_id, ext = self.ids(u)
        row = {"id": new_uuid(), "user_id": user_id, "external_user_id": ext,
               "app_id": device[1], "device_id": device[0]}
        row.update(self.message_ref(msg))
        row.update({
            "event_type": event_name("users.messages.pushnotification.", short, when),
            "time": ts(when), "timezone": u.timezone,
            "_fivetran_synced": ts(synced_at(when)), "_fivetran_deleted": "false",
        })
        self.push.append(row)

    def purchase(self, u, when, device=None, deleted=False):
        product_id, usd = rng.choice(PRODUCTS)
        quantity = 1 if rng.random() < 0.85 else 2
        price = round(usd * quantity * FX_PER_USD[u.currency], 2)
        user_id, ext = self.ids(u)
        app = device[1] if device else WEB_APP
        props = {"payment_method": rng.choice(["card", "card", "paypal", "apple_pay"]),
                 "quantity": quantity}
        self.purchases.append({
            "id": new_uuid(), "user_id": user_id, "external_user_id": ext, "app_id": app,
            "device_id": device[0] if device else "", "product_id": product_id,
            "price": "%.2f" % price, "currency": u.currency,
            "properties": json.dumps(props, separators=(",", ":")),
            "time": ts(when), "timezone": u.timezone,
            "_fivetran_synced": ts(synced_at(when)), "_fivetran_deleted": boolstr(deleted),
        })

    def conversion(self, u, msg, when, device=None):
        """A conversion within CONVERSION_HOURS of `when`; most of them are purchases."""
        at = when + dt.timedelta(seconds=rng.randint(300, CONVERSION_HOURS * 3600))
        if at > WINDOW_END:
            return
        behavior = 0 if rng.random() < 0.7 else 1
        user_id, ext = self.ids(u)
        app = device[1] if device else WEB_APP
        base = {"id": new_uuid(), "user_id": user_id, "external_user_id": ext, "app_id": app,
                "conversion_behavior_index": str(behavior), "time": ts(at),
                "timezone": u.timezone, "_fivetran_synced": ts(synced_at(at)),
                "_fivetran_deleted": "false"}
        if msg.get("campaign_id"):
            base.update({"campaign_id": msg["campaign_id"],
                         "campaign_updated_at": ts(msg["campaign_updated_at"]),
                         "message_variation_id": msg.get("message_variation_id", ""),
                         "send_id": msg.get("send_id", ""),
                         "event_type": event_name("users.campaigns.", "Conversion", at)})
            self.campaign_conv.append(base)
        else:
            base.update({"canvas_id": msg["canvas_id"],
                         "canvas_updated_at": ts(msg["canvas_updated_at"]),
                         "canvas_step_id": msg["canvas_step_id"],
                         "canvas_variation_id": msg["canvas_variation_id"],
                         "event_type": event_name("users.canvas.", "Conversion", at)})
            self.canvas_conv.append(base)
        if behavior == 0:
            self.purchase(u, at, device)

    def unsubscribe_group(self, u, when, status, group, msg=None):
        user_id, ext = self.ids(u)
        self.subscriptions.append({
            "id": new_uuid(), "user_id": user_id, "external_user_id": ext,
            "email_address": u.email if group == NEWSLETTER_GROUP else "",
            "subscription_group_id": group, "subscription_status": status,
            "campaign_id": (msg or {}).get("campaign_id", ""),
            "canvas_id": (msg or {}).get("canvas_id", ""),
            "send_id": (msg or {}).get("send_id", ""),
            "time": ts(when), "timezone": u.timezone,
            "_fivetran_synced": ts(synced_at(when)), "_fivetran_deleted": "false",
        })

    # -- one email message to one user --
    def send_email(self, u, msg, at, transactional=False):
        if not u.has_email:
            return
        if u.email_invalid_at is not None and at > u.email_invalid_at:
            return
        if not transactional and u.email_unsub_at is not None and at > u.email_unsub_at:
            return
        if at > WINDOW_END:
            return
        self.email_event(u, msg, "Send", at)
        if u.bad_email:
            bounce = at + dt.timedelta(seconds=rng.randint(5, 90))
            self.email_event(u, msg, "Bounce", bounce)
            u.email_invalid_at = bounce
            return
        if rng.random() < 0.025:
            self.email_event(u, msg, "SoftBounce", at + dt.timedelta(seconds=rng.randint(5, 600)))
            return
        delivered = at + dt.timedelta(seconds=rng.randint(1, 120))
        if delivered > WINDOW_END:
            return
        self.email_event(u, msg, "Delivery", delivered)
        if u.corporate and rng.random() < 0.7:  # link scanner
            self.email_event(u, msg, "Click", delivered + dt.timedelta(seconds=rng.randint(1, 40)),
                             url="https://shop.example.com/offer", agent=SCANNER_AGENT, bot=True)
        if u.apple_mail:  # Apple Mail Privacy Protection prefetch
            machine = delivered + dt.timedelta(seconds=rng.randint(30, 900))
            if machine <= WINDOW_END:
                self.email_event(u, msg, "Open", machine, agent="Mozilla/5.0", machine=True)
        if rng.random() < 0.006:
            spam = delivered + dt.timedelta(hours=rng.uniform(1, 30))
            if spam <= WINDOW_END:
                self.email_event(u, msg, "MarkAsSpam", spam)
                if not transactional:
                    u.email_unsub_at = min(u.email_unsub_at or spam, spam)
            return
        if not engaged(u, delivered) or rng.random() >= u.open_p:
            return
        opened = delivered + dt.timedelta(hours=rng.expovariate(1 / 6.0))
        opens = [opened]
        if rng.random() < 0.3:
            opens.append(opened + dt.timedelta(hours=rng.uniform(0.5, 48)))
        agent = rng.choice(USER_AGENTS)
        opens = [o for o in opens if o <= WINDOW_END]
        for o in opens:
            self.email_event(u, msg, "Open", o, agent=agent, machine=False)
        if not opens:
            return
        clicked = False
        if rng.random() < u.click_p:
            click = opened + dt.timedelta(seconds=rng.randint(10, 1800))
            clicks = [click] + ([click + dt.timedelta(seconds=rng.randint(30, 600))]
                                if rng.random() < 0.2 else [])
            for c in clicks:
                if c <= WINDOW_END:
                    self.email_event(u, msg, "Click", c, url=msg["url"], agent=agent, bot=False)
                    clicked = True
            if clicked and rng.random() < 0.3:
                self.conversion(u, msg, click)
        if not transactional and rng.random() < 0.04:
            unsub = opened + dt.timedelta(seconds=rng.randint(20, 400))
            if unsub <= WINDOW_END:
                self.email_event(u, msg, "Unsubscribe", unsub)
                u.email_unsub_at = min(u.email_unsub_at or unsub, unsub)
                if u.newsletter:
                    self.unsubscribe_group(u, unsub, "Unsubscribed", NEWSLETTER_GROUP, msg)

    # -- one push message to one user (every device) --
    def send_push(self, u, msg, at):
        if at > WINDOW_END:
            return
        for device in u.devices:
            self.push_event(u, device, msg, "Send", at)
            if device[2] is not None and at > device[2]:
                self.push_event(u, device, msg, "Bounce", at + dt.timedelta(seconds=rng.randint(1, 30)))
                continue
            if engaged(u, at) and rng.random() < u.push_open_p:
                opened = at + dt.timedelta(minutes=rng.expovariate(1 / 45.0))
                if opened <= WINDOW_END:
                    self.push_event(u, device, msg, "Open", opened)
                    if rng.random() < 0.25:
                        self.conversion(u, msg, opened, device)
            elif rng.random() < 0.04:
                influenced = at + dt.timedelta(minutes=rng.uniform(5, 60))
                if influenced <= WINDOW_END:
                    self.push_event(u, device, msg, "InfluencedOpen", influenced)


def audience_of(c, users, dispatch_at):
    chosen = []
    for u in users:
        if u.created_at > dispatch_at:
            continue
        if c["audience"] == "newsletter":
            if u.newsletter:
                chosen.append(u)
        elif c["audience"] == "winback":
            if u.has_email and u.churn_at is not None and u.churn_at < D(2024, 4, 1):
                chosen.append(u)
        elif rng.random() < c["audience"]:
            chosen.append(u)
    return chosen


def simulate(users, campaigns, canvases):
    sim = Sim(users)
    messages = []  # (time, tiebreak, kind, user, msg)
    order = 0

    def add(at, kind, u, msg):
        nonlocal order
        messages.append((at, order, kind, u, msg))
        order += 1

    for c in campaigns:
        if c["transactional"]:
            continue
        urls = {"email": "https://shop.example.com/" + c["versions"][-1][1].split()[0].lower()}
        for d_at in c["dispatches"]:
            dispatch_id = new_object_id()
            for u in audience_of(c, users, d_at):
                variation = rng.choice(c["variations"])
                at = d_at + dt.timedelta(seconds=rng.randint(0, 900))
                msg = {"campaign_id": c["id"], "campaign_updated_at": version_at(c["versions"], at),
                       "message_variation_id": variation, "dispatch_id": dispatch_id,
                       "url": urls["email"]}
                for channel in sorted(c["channels"]):
                    if channel == "email" and u.has_email:
                        add(at, "email", u, msg)
                    elif channel == "push" and u.devices:
                        add(at, "push", u, msg)

    onboarding, cart = canvases
    for u in users:
        if not (WINDOW_START <= u.created_at <= WINDOW_END):
            continue
        entry = u.created_at + dt.timedelta(minutes=rng.randint(1, 30))
        variation = rng.choice(onboarding["variations"])
        for step_id, _names, channel, delay in onboarding["steps"]:
            at = entry + delay
            msg = {"canvas_id": onboarding["id"],
                   "canvas_updated_at": version_at(onboarding["versions"], at),
                   "canvas_step_id": step_id, "canvas_variation_id": variation,
                   "dispatch_id": new_object_id(), "url": "https://shop.example.com/start"}
            if channel == "email" and u.has_email:
                add(at, "email", u, msg)
            elif channel == "push" and u.devices:
                add(at, "push", u, msg)
    for u in users:
        entries = sum(1 for _ in range(3) if rng.random() < 0.12)
        for _ in range(entries):
            entry = rand_time(max(u.created_at, WINDOW_START), WINDOW_END)
            variation = cart["variations"][0]
            for step_id, _names, channel, delay in cart["steps"]:
                at = entry + delay
                msg = {"canvas_id": cart["id"], "canvas_updated_at": version_at(cart["versions"], at),
                       "canvas_step_id": step_id, "canvas_variation_id": variation,
                       "dispatch_id": new_object_id(), "url": "https://shop.example.com/cart"}
                if channel == "email" and u.has_email:
                    add(at, "email", u, msg)
                elif channel == "push" and u.devices:
                    add(at, "push", u, msg)

    # organic purchases, each followed by a transactional "Order Shipped" email
    shipped = campaigns[-1]
    for u in users:
        if u.anonymous:
            continue
        n = sum(1 for _ in range(4) if rng.random() < 0.12)
        for _ in range(n):
            at = rand_time(max(u.created_at, WINDOW_START), WINDOW_END)
            device = u.devices[0] if u.devices and rng.random() < 0.5 else None
            sim.purchase(u, at, device)
            ship_at = at + dt.timedelta(hours=rng.uniform(2, 30))
            msg = {"campaign_id": shipped["id"],
                   "campaign_updated_at": version_at(shipped["versions"], ship_at),
                   "message_variation_id": shipped["variations"][0],
                   "send_id": new_object_id(), "dispatch_id": new_object_id(),
                   "url": "https://shop.example.com/orders"}
            add(ship_at, "email_tx", u, msg)

    # newsletter opt-ins of users created inside the window, and a few promo-group changes
    for u in users:
        if u.newsletter and u.created_at >= WINDOW_START:
            sim.unsubscribe_group(u, u.created_at + dt.timedelta(seconds=30), "Subscribed",
                                  NEWSLETTER_GROUP)
        if u.phone and rng.random() < 0.2:
            at = rand_time(max(u.created_at, WINDOW_START), WINDOW_END)
            sim.unsubscribe_group(u, at, "Subscribed", PROMO_GROUP)
            if rng.random() < 0.4:
                sim.unsubscribe_group(u, at + dt.timedelta(days=rng.uniform(1, 40)),
                                      "Unsubscribed", PROMO_GROUP)

    messages.sort(key=lambda m: (m[0], m[1]))
    for at, _, kind, u, msg in messages:
        if kind == "email":
            sim.send_email(u, msg, at)
        elif kind == "email_tx":
            sim.send_email(u, msg, at, transactional=True)
        else:
            sim.send_push(u, msg, at)

    # a few soft-deleted purchase rows (test orders removed in the source system)
    for row in rng.sample(sim.purchases, 3):
        row["_fivetran_deleted"] = "true"
    sim.subscriptions = [r for r in sim.subscriptions if r["time"] <= ts(WINDOW_END)]
    return sim


def with_duplicates(rows, rate):
    """At-least-once delivery: re-emit some rows verbatim, then order by time."""
    out = list(rows)
    for row in rows:
        if rng.random() < rate:
            out.append(dict(row))
    out.sort(key=lambda r: (r["time"], r["id"]))
    return out


# ---------------------------------------------------------------------------
# dimension tables
# ---------------------------------------------------------------------------

def campaign_rows(campaigns, sim):
    first_last = {}
    for table in (sim.email, sim.push):
        for r in table:
            if r["campaign_id"] and r["event_type"].endswith("Send"):
                lo, hi = first_last.get(r["campaign_id"], (r["time"], r["time"]))
                first_last[r["campaign_id"]] = (min(lo, r["time"]), max(hi, r["time"]))
    rows = []
    for c in campaigns:
        first, last = first_last.get(c["id"], ("", ""))
        for i, (updated_at, name) in enumerate(c["versions"]):
            is_last = i == len(c["versions"]) - 1
            rows.append({
                "id": c["id"], "updated_at": ts(updated_at), "created_at": ts(c["created_at"]),
                "name": name, "archived": boolstr(is_last and c["archived_last"]),
                "draft": boolstr(name.endswith("draft")),
                "schedule_type": c["schedule_type"],
                "first_sent": first if first and (first <= ts(updated_at) or is_last) else "",
                "last_sent": last if is_last else "",
                "channel_email": boolstr("email" in c["channels"]),
                "channel_ios_push": boolstr("push" in c["channels"]),
                "channel_android_push": boolstr("push" in c["channels"]),
                "channel_web_push": "false", "channel_sms": "false",
                "tags": "transactional" if c["transactional"] else "marketing",
                "_fivetran_synced": ts(updated_at + dt.timedelta(hours=2)),
                "_fivetran_deleted": "false",
            })
    return rows


def canvas_rows(canvases, sim):
    first_last = {}
    for table in (sim.email, sim.push):
        for r in table:
            if r["canvas_id"] and r["event_type"].endswith("Send"):
                lo, hi = first_last.get(r["canvas_id"], (r["time"], r["time"]))
                first_last[r["canvas_id"]] = (min(lo, r["time"]), max(hi, r["time"]))
    rows, step_rows = [], []
    for c in canvases:
        first, last = first_last.get(c["id"], ("", ""))
        channels = {s[2] for s in c["steps"]}
        for i, (updated_at, name) in enumerate(c["versions"]):
            is_last = i == len(c["versions"]) - 1
            rows.append({
                "id": c["id"], "updated_at": ts(updated_at), "created_at": ts(c["created_at"]),
                "name": name, "archived": "false", "draft": "false", "enabled": "true",
                "schedule_type": "action_based",
                "first_sent": first, "last_sent": last if is_last else "",
                "channel_email": boolstr("email" in channels),
                "channel_ios_push": boolstr("push" in channels),
                "channel_android_push": boolstr("push" in channels),
                "channel_web_push": "false", "channel_sms": "false",
                "_fivetran_synced": ts(updated_at + dt.timedelta(hours=2)),
                "_fivetran_deleted": "false",
            })
            for step_id, names, channel, _delay in c["steps"]:
                step_rows.append({
                    "id": step_id, "canvas_id": c["id"], "canvas_updated_at": ts(updated_at),
                    "name": names[i], "channel_email": boolstr(channel == "email"),
                    "channel_ios_push": boolstr(channel == "push"),
                    "channel_android_push": boolstr(channel == "push"),
                    "channel_web_push": "false", "channel_sms": "false",
                    "_fivetran_synced": ts(updated_at + dt.timedelta(hours=2)),
                    "_fivetran_deleted": "false",
                })
    return rows, step_rows


USER_COLS = ["external_id", "braze_id", "email", "phone", "country", "language", "time_zone",
             "created_at", "plan_type", "favorite_category", "_fivetran_synced",
             "_fivetran_deleted"]


def user_rows(users):
    rows = []
    for u in users:
        row = {"external_id": u.external_id, "braze_id": u.braze_id, "email": u.email,
               "phone": u.phone, "country": u.country, "language": u.language,
               "time_zone": u.timezone, "created_at": ts(u.created_at), "plan_type": u.plan,
               "favorite_category": u.favorite_category,
               "_fivetran_synced": ts(dt.datetime(2024, 6, 30, 6) -
                                      dt.timedelta(minutes=rng.randint(0, 600))),
               "_fivetran_deleted": "false"}
        rows.append(row)
        if u.plan and rng.random() < 0.05:  # an older sync of the profile, before an upgrade
            old = dict(row)
            old["plan_type"] = "free"
            old["_fivetran_synced"] = ts(rand_time(max(u.created_at, WINDOW_START),
                                                   dt.datetime(2024, 6, 1)))
            rows.append(old)
    rows.sort(key=lambda r: (r["created_at"], r["braze_id"], r["_fivetran_synced"]))
    return rows


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

def write(out_dir, name, cols, rows):
    path = os.path.join(out_dir, name + ".csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n", extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return path, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "seeds", "braze"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    users = make_users()
    campaigns = make_campaigns()
    canvases = make_canvases()
    sim = simulate(users, campaigns, canvases)
    canvas, steps = canvas_rows(canvases, sim)
    campaign = campaign_rows(campaigns, sim)
    outputs = [
        ("user", USER_COLS, user_rows(users)),
        ("campaign", list(campaign[0].keys()), campaign),
        ("canvas", list(canvas[0].keys()), canvas),
        ("canvas_step", list(steps[0].keys()), steps),
        ("email_event", EMAIL_COLS, with_duplicates(sim.email, 0.03)),
        ("push_notification_event", PUSH_COLS, with_duplicates(sim.push, 0.02)),
        ("campaign_conversion_event", CAMPAIGN_CONV_COLS, with_duplicates(sim.campaign_conv, 0.03)),
        ("canvas_conversion_event", CANVAS_CONV_COLS, with_duplicates(sim.canvas_conv, 0.03)),
        ("purchase_event", PURCHASE_COLS, with_duplicates(sim.purchases, 0.04)),
        ("subscription_event", SUBSCRIPTION_COLS, with_duplicates(sim.subscriptions, 0.0)),
    ]
    total = 0
    for name, cols, rows in outputs:
        path, n = write(args.out, name, cols, rows)
        size = os.path.getsize(path)
        total += size
        print("%-28s %6d rows %9d bytes" % (name, n, size))
    print("%-28s %6s      %9d bytes" % ("total", "", total))


if __name__ == "__main__":
    main()
