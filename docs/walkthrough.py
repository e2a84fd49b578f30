#!/usr/bin/env python3
"""The README's walkthrough, as an officer would do it with a standard gRPC client.

Python grpcio with server reflection: no .proto files and no generated code, the server
describes itself. Run the suite first (`cargo run --release -p rex-suite -- up`), then, with an
Atameken officer's token minted by the development helper:

    python3 -m pip install grpcio grpcio-reflection protobuf
    export REX_TOKEN=$(cargo run -q --release -p rex-suite -- token --role atameken_officer --sub AP-1 --binding 002)
    python3 docs/walkthrough.py 127.0.0.1:50051

Each step prints the call and the answer as JSON.
"""
import base64
import datetime
import hashlib
import json
import sys

import os

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

SERVICE = "rex.registration.v1.RegistrationService"

target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
channel = grpc.insecure_channel(target)
pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
service = pool.FindServiceByName(SERVICE)


def call(method_name, request):
    """Calls SERVICE/method_name with `request` (a dict in the proto's JSON form)."""
    method = service.FindMethodByName(method_name)
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    stub = channel.unary_unary(
        f"/{SERVICE}/{method_name}",
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    print(f"\n>>> {method_name}")
    token = os.environ.get("REX_TOKEN", "")
    metadata = [("authorization", f"Bearer {token}")] if token else []
    response = stub(json_format.ParseDict(request, request_class()), metadata=metadata)
    answer = json_format.MessageToDict(response)
    print(json.dumps(shown(answer), indent=2, ensure_ascii=False))
    return answer


def shown(value):
    """The answer as it is worth reading: whole, with file contents given by their size."""
    if isinstance(value, dict):
        return {
            k: (f"<{len(base64.b64decode(v))} bytes>" if k == "content" and isinstance(v, str) else shown(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def document(kind, name, content):
    return {
        "kind": kind,
        "fileName": name,
        "mediaType": "application/pdf",
        "content": base64.b64encode(content).decode(),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


# Dates of law are Almaty dates (UTC+5).
now = datetime.datetime.now(datetime.timezone.utc)
today = now.astimezone(datetime.timezone(datetime.timedelta(hours=5)))
today_iso = now.strftime("%Y-%m-%dT%H:%M:%SZ")
date = {"year": today.year, "month": today.month, "day": today.day}
# Idempotency keys make retries safe; each run of the walkthrough is a new set of requests.
run = now.strftime("%Y%m%dT%H%M%S%f")

# 1. The authorized person who registers exporters in REX (REG-13).
call("SaveAuthorizedPerson", {
    "idempotencyKey": f"walkthrough-person-1-{run}",
    "person": {
        "personId": "AP-1", "fullName": "Aigerim Nurlanovna", "position": "Chief specialist",
        "regionalBranchCode": "002", "phone": "+7 727 300 0001",
        "email": "ap1@atameken.example.kz", "active": True,
    },
})

# 2. Application No. 1 received on paper at the Almaty branch (REG-2..4). The response gives
#    the refusal due date (REG-9, +3 working days) and the registration due date (REG-6, +5).
submitted = call("SubmitApplication", {
    "idempotencyKey": f"walkthrough-application-1-{run}",
    "form": {
        "data": {
            "exporter": {
                "name": {"primary": "ТОО «Алтын Дән»", "english": "Altyn Dan LLP"},
                "address": {"primary": "г. Алматы, пр. Райымбека, 221", "english": "Almaty, Raiymbek ave. 221"},
                "country": "KZ",
                "tin": "110340517504",
            },
            "contact": {"phone": "+7 793 149 2186", "email": "altyndan@example.kz"},
            "activities": ["ACTIVITY_PRODUCTION"],
            "goods": [
                {"description": {"primary": "Пшеничная мука", "english": "Wheat flour"}, "hsCode": "1101"},
                {"description": {"primary": "Макаронные изделия", "english": "Pasta"}, "hsCode": "1902"},
            ],
            "publicationConsent": True,
        },
        "undertakings": {
            "accepted": True, "signatoryName": "A. Director", "signatoryPosition": "Director",
            "signedOn": date,
        },
        "primaryLanguage": "LANGUAGE_RU",
        "documents": [document("DOCUMENT_KIND_ORIGIN_EVIDENCE", "origin.pdf", b"%PDF-1.4 origin evidence")],
        "channel": "SUBMISSION_CHANNEL_PAPER",
        "receivedAt": today_iso,
        "regionalBranchCode": "002",
    },
})
application_id = submitted["application"]["applicationId"]
print("registration due:", submitted["registrationDue"]["explanation"])

# 3. The authorized person registers it: the number KZREXKKKDDMMYYYYNNNN (REG-7), valid from
#    the date received (REG-6), the notice to the exporter due in 2 working days (REG-8).
registered = call("RegisterExporter", {
    "idempotencyKey": f"walkthrough-register-1-{run}",
    "applicationId": application_id,
    "authorizedPersonId": "AP-1",
})
number = registered["registration"]["registrationNumber"]

# 4. Anyone looks the number up (REG-5): only what the exporter consented to publish.
call("LookupRegistration", {"registrationNumber": number})

# 5. Customs check a statement on origin for a consignment above the threshold (REG-12).
call("ValidateStatement", {
    "importingCountry": "IMPORTING_COUNTRY_CH",
    "value": {"currencyCode": "CHF", "amount": "25000.00"},
    "statementDate": date,
    "statementText": (
        f"The exporter Altyn Dan LLP, Almaty, {number} of the products covered by this document "
        "declares that, except where otherwise clearly indicated, these products are of Kazakhstan "
        "preferential origin according to rules of origin of the Generalized System of Preferences "
        "of the Swiss Confederation and that the origin criterion met is W 11.01."
    ),
})

# 6. The exporter asks to be removed (REV-1 (1)); the notice is due in 3 working days (REV-2).
call("RevokeRegistration", {
    "idempotencyKey": f"walkthrough-revoke-1-{run}",
    "registrationNumber": number,
    "ground": "REVOCATION_GROUND_EXPORTER_REQUEST",
    "revokedOn": date,
    "requestedBy": "EXPORTER",
    "explanation": "The exporter stopped exporting under the GSP.",
    "officerId": "AP-1",
})

# 7. The public lookup now says revoked.
final = call("LookupRegistration", {"registrationNumber": number})
print(f"\n{number}: {final['status']}")
