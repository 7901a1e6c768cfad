"""The starting operations, called through the Python clients openapi-python-client generates from
spec/dist/, against the vendor sandbox.

`cargo xtask test` generates and installs the clients (into target/, never into the repository),
starts `vendor-sandbox` on a free loopback port and runs this file with SANDBOX_URL set. Each test
checks the outcomes the vendors document: statuses, and the typed error bodies with the vendor's
codes and messages. Every client runs in strict mode (`raise_on_unexpected_status=True`): a
documented outcome the generated client could not parse would raise `UnexpectedStatus`.
"""

import os
import uuid

import pytest
from attestr_client import AuthenticatedClient as AttestrClient
from attestr_client.api.profiles import archive_profile, create_profile, update_profile
from attestr_client.models import Error as AttestrError
from attestr_client.models import ProfileCreated, ProfileInput
from gainsight_px_client import Client as GainsightPxClient
from gainsight_px_client.api.users import create_user, delete_user, update_user, update_user_by_body
from gainsight_px_client.models import ExternalApiError, ResponseEntity, User, UserUpdate
from trust_client import AuthenticatedClient as TrustClient
from trust_client import Client as AteneaClient
from trust_client.api.atenea import create_access_token
from trust_client.api.identities import delete_identity
from trust_client.models import (
    AccessToken,
    AccessTokenRequest,
    AccessTokenRequestGrantType,
    ErrorEnvelope,
    IdentityResponse,
)

# The sandbox's built-in Trust identity (the vendor's Delete Identity sample) and the former
# document merged into it.
SAMPLE_IDENTITY = uuid.UUID("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb")
MERGED_IDENTITY = uuid.UUID("cccccccc-cccc-cccc-cccc-cccccccccccc")


@pytest.fixture(scope="module")
def sandbox() -> str:
    url = os.environ.get("SANDBOX_URL")
    if not url:
        pytest.fail("SANDBOX_URL is not set: run this through `cargo xtask test`, which starts the sandbox")
    if not url.startswith("http://127.0.0.1:"):
        pytest.fail(f"SANDBOX_URL must be a loopback address, not {url}")
    return url


# The sandbox's Attestr demo token: base64 of `sandbox-app:sandbox-secret`.
ATTESTR_DEMO_TOKEN = "c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ="


def attestr(sandbox: str, token: str = ATTESTR_DEMO_TOKEN) -> AttestrClient:
    return AttestrClient(
        base_url=f"{sandbox}/attestr/api/v1", token=token, prefix="Basic", raise_on_unexpected_status=True
    )


def new_profile(client: AttestrClient) -> str:
    created = create_profile.sync_detailed(client=client, body=ProfileInput(tag="PY-1", name="Python Example"))
    assert created.status_code == 200
    assert isinstance(created.parsed, ProfileCreated)
    assert isinstance(created.parsed.field_id, str)
    return created.parsed.field_id


def attestr_error(response) -> AttestrError:
    assert isinstance(response.parsed, AttestrError), response.content
    return response.parsed


def test_attestr_update_profile(sandbox: str) -> None:
    client = attestr(sandbox)
    profile_id = new_profile(client)

    updated = update_profile.sync_detailed(
        profile_id, client=client, body=ProfileInput(tag="PY-1", name="Renamed", email="py@example.test")
    )
    assert updated.status_code == 200  # "Http Status 200", no documented body
    assert updated.parsed is None

    unknown = update_profile.sync_detailed("no-such-profile", client=client, body=ProfileInput(tag="PY-1", name="x"))
    assert unknown.status_code == 400
    error = attestr_error(unknown)
    assert (error.code, error.message) == (40018, "Invalid profile Id or you do not have access to this record")

    unauthorized = update_profile.sync_detailed(
        profile_id, client=attestr(sandbox, token="wrong-token"), body=ProfileInput(tag="PY-1", name="x")
    )
    assert unauthorized.status_code == 401
    assert attestr_error(unauthorized).code == 4016


def test_attestr_archive_profile(sandbox: str) -> None:
    client = attestr(sandbox)
    profile_id = new_profile(client)

    archived = archive_profile.sync_detailed(profile_id, client=client)
    assert archived.status_code == 200
    assert archived.parsed is None

    # Archiving is irreversible: a second archive, or an update, gets 400/40038.
    again = archive_profile.sync_detailed(profile_id, client=client)
    assert again.status_code == 400
    error = attestr_error(again)
    assert (error.code, error.message) == (40038, "Profile is archived already, operation not allowed")
    update = update_profile.sync_detailed(profile_id, client=client, body=ProfileInput(tag="PY-1", name="x"))
    assert update.status_code == 400
    assert attestr_error(update).code == 40038


def test_trust_delete_identity(sandbox: str) -> None:
    token = create_access_token.sync_detailed(
        client=AteneaClient(base_url=f"{sandbox}/atenea", raise_on_unexpected_status=True),
        body=AccessTokenRequest(
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            grant_type=AccessTokenRequestGrantType.CLIENT_CREDENTIALS,
        ),
    )
    assert token.status_code == 200
    assert isinstance(token.parsed, AccessToken)
    client = TrustClient(
        base_url=f"{sandbox}/trust/index/v1", token=token.parsed.access_token, raise_on_unexpected_status=True
    )

    # A merged uuid is a former document of the current identity: nothing is deleted.
    merged = delete_identity.sync_detailed(MERGED_IDENTITY, client=client)
    assert merged.status_code == 404
    assert isinstance(merged.parsed, ErrorEnvelope)
    assert merged.parsed.message == f"Not found. Posible merge in document with uuid: {SAMPLE_IDENTITY}"

    deleted = delete_identity.sync_detailed(SAMPLE_IDENTITY, client=client)
    assert deleted.status_code == 200
    assert isinstance(deleted.parsed, IdentityResponse)
    assert (deleted.parsed.code, deleted.parsed.resource, deleted.parsed.message) == (200, "Identity", "Deleted")
    assert deleted.parsed.data.uuid == SAMPLE_IDENTITY

    again = delete_identity.sync_detailed(SAMPLE_IDENTITY, client=client)
    assert again.status_code == 404
    assert isinstance(again.parsed, ErrorEnvelope)
    assert again.parsed.message == "Not found in database neither in former documents"


def px(sandbox: str, key: str = "sandbox-px-key") -> GainsightPxClient:
    return GainsightPxClient(
        base_url=f"{sandbox}/gainsight-px", headers={"X-APTRINSIC-API-KEY": key}, raise_on_unexpected_status=True
    )


def new_user(client: GainsightPxClient) -> str:
    identify_id = f"python-{uuid.uuid4()}@example.test"
    created = create_user.sync_detailed(
        client=client, body=User(identify_id=identify_id, email=identify_id, property_keys=["AP-XXXXXXXXXX-2"])
    )
    assert created.status_code == 201
    assert isinstance(created.parsed, ResponseEntity)
    return identify_id


def test_gainsight_px_delete_user(sandbox: str) -> None:
    client = px(sandbox)
    identify_id = new_user(client)

    deleted = delete_user.sync_detailed(identify_id, client=client)
    assert deleted.status_code in (200, 204)
    if deleted.status_code == 200:
        assert isinstance(deleted.parsed, ResponseEntity)

    # A soft-deleted user is hidden: deleting it again is "User not found".
    again = delete_user.sync_detailed(identify_id, client=client, hard_delete=True)
    assert again.status_code == 404
    assert isinstance(again.parsed, ExternalApiError)
    assert again.parsed.externalapierror.status == "NOT_FOUND"

    unauthorized = delete_user.sync_detailed(identify_id, client=px(sandbox, key="wrong-key"))
    assert unauthorized.status_code == 401
    assert isinstance(unauthorized.parsed, ExternalApiError)
    assert unauthorized.parsed.externalapierror.message == "Unauthorized or bad API Key"


def test_gainsight_px_update_user(sandbox: str) -> None:
    client = px(sandbox)
    identify_id = new_user(client)

    # A partial body, as real traffic sends.
    partial = update_user.sync_detailed(identify_id, client=client, body=UserUpdate(account_id="account-1"))
    assert partial.status_code == 204
    assert partial.parsed is None

    by_body = update_user_by_body.sync_detailed(
        client=client, body=User(identify_id=identify_id, property_keys=["AP-XXXXXXXXXX-2"], title="engineer")
    )
    assert by_body.status_code == 204

    missing = update_user.sync_detailed("nobody@example.test", client=client, body=UserUpdate(title="x"))
    assert missing.status_code == 404
    assert isinstance(missing.parsed, ExternalApiError)
    assert missing.parsed.externalapierror.status == "NOT_FOUND"
