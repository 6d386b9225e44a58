from .chat_scene import *
from .conftest import Api


def test_smoke(api: Api) -> None:
    a, ah = add_agent(api, "Ann", capacity=1)
    cf = add_chatflow(api)
    v = add_visitor(api)
    s = start(api, v, cf, page_url="https://acme.test/p", message={"client_id": "m1", "text": "hi"})
    print(s)
    cid = s["conversation"]["id"]
    print(say(api, v, cid, "second"))
    print(say(api, v, cid, "second", client_id="m1"))
    r = api.client.post(f"/api/v1/conversations/{cid}/messages", headers=ah, json={"client_id": "x", "text": "hello"})
    print(r.status_code, r.json())
    print(api.client.get(widget_url(api, f"/{cid}/messages?after=1"), headers=v).json())
    print(conversation(api, cid))
    print(api.client.get(f"/api/v1/conversations/{cid}/transcript", headers=ah).text)
    s2 = start(api, v, cf)
    print(s2["conversation"]["status"])
    r = api.client.post(f"/api/v1/conversations/{cid}/close", headers=ah)
    print(r.status_code, r.json())
    print(api.client.get(f"/api/v1/conversations/{s2['conversation']['id']}", headers=ah).json()["status"])
    with api.client.websocket_connect(f"/ws/visitor?account_id={api.account.account_id}&visitor_token={v['X-Visitor-Token']}") as ws:
        print(frame(ws))
        ws.send_json({"type": "resume", "conversation_id": cid, "after_sequence": 1})
        print(frame(ws)); print(frame(ws)); print(frame(ws))
        ws.send_text("nope")
        print(frame(ws))
    assert 0
