//! The API's rate limit is kept per client address (issue #7): one client
//! that spends its burst is refused, another address is still served, and
//! the refused one stays refused. The address is the one the accept loop
//! puts on each request (`ConnectInfo`), set here by hand.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use wenyuan_web::api::limit::{DEFAULT_BURST, DEFAULT_PER_SECOND};

use super::*;

async fn collections_from(app: &Router, client: SocketAddr) -> Answer {
    let mut request = Request::get("/api/v1/collections")
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(client));
    send(app, request).await
}

#[tokio::test]
async fn the_rate_limit_is_per_client_address() {
    let fixture = fixture();
    let greedy: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let polite: SocketAddr = "10.0.0.2:40000".parse().unwrap();
    let mut served = 0;
    loop {
        let answer = collections_from(&fixture.app, greedy).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        served += 1;
        assert!(
            served <= 2 * DEFAULT_BURST,
            "{served} requests and still no 429"
        );
    }
    assert!(
        served >= DEFAULT_BURST,
        "a 429 after only {served} requests"
    );

    // Turn about: the other address is served every time, while the spent
    // one gets back only what the refill rate allows (a token each 0.5 s),
    // whichever port it comes from.
    let started = std::time::Instant::now();
    let (mut polite_served, mut greedy_served) = (0, 0);
    for round in 0..20u16 {
        if collections_from(&fixture.app, polite).await.status == StatusCode::OK {
            polite_served += 1;
        }
        let greedy_other_port = SocketAddr::new(greedy.ip(), 40000 + round);
        let answer = collections_from(&fixture.app, greedy_other_port).await;
        match answer.status {
            StatusCode::OK => greedy_served += 1,
            _ => assert_json_error(&answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        }
    }
    let refilled = 1 + (started.elapsed().as_secs_f64() * DEFAULT_PER_SECOND).ceil() as u32;
    assert_eq!(polite_served, 20, "another address has its own bucket");
    assert!(
        greedy_served <= refilled,
        "the spent address was served {greedy_served} times in {:?}",
        started.elapsed()
    );
}
