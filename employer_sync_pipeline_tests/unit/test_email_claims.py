"""Who gets a contested e-mail address: pure rules, no database (SPEC §3)."""

from employer_sync_pipeline.domain.email_claims import contested_user_ids, settle_claims

E = "employer"


def key(name: str) -> tuple[str, str]:
    return (E, f"{name}@example.com")


def test_contested_ids_compare_normalised_addresses_and_ignore_invalid_ones():
    emails = {1: "A@Example.com", 2: " a@example.com", 3: "b@example.com", 4: "broken", 5: "broken", 6: None}
    assert contested_user_ids(emails) == {1, 2}


def test_a_holder_that_wants_its_address_keeps_it_against_lower_ids():
    settled = settle_claims({1: key("a"), 5: key("a")}, {key("a"): 5}, writers=[1, 5])
    assert settled.losers == {1} and settled.releases == frozenset()


def test_an_address_nobody_holds_goes_to_the_lowest_id():
    settled = settle_claims({9: key("a"), 4: key("a"), 7: key("a")}, {}, writers=[4, 7, 9])
    assert settled.losers == {7, 9}


def test_a_holder_outside_the_write_keeps_its_address():
    settled = settle_claims({1: key("a")}, {key("a"): 2}, writers=[1])
    assert settled.losers == {1}


def test_a_hand_over_frees_the_address_and_releases_nobody_who_leaves():
    # 2 gives "a" up for "b"; 1 takes "a". 3 leaves scope (no claim) and frees "c" for 4.
    settled = settle_claims({1: key("a"), 2: key("b"), 4: key("c")}, {key("a"): 2, key("c"): 3}, writers=[1, 2, 3, 4])
    assert settled.losers == frozenset()
    assert settled.releases == {2}


def test_a_swap_and_a_rotation_release_every_mover():
    swap = settle_claims({1: key("b"), 2: key("a")}, {key("a"): 1, key("b"): 2}, writers=[1, 2])
    rotation = settle_claims({1: key("b"), 2: key("c"), 3: key("a")}, {key("a"): 1, key("b"): 2, key("c"): 3},
                             writers=[1, 2, 3])
    assert (swap.losers, swap.releases) == (frozenset(), {1, 2})
    assert (rotation.losers, rotation.releases) == (frozenset(), {1, 2, 3})


def test_a_loser_keeps_its_address_so_the_chain_behind_it_loses_too():
    # 1 wants "h" (kept by 9, outside); 2 wants 1's "x"; 3 wants 2's "y".
    settled = settle_claims({1: key("h"), 2: key("x"), 3: key("y")}, {key("h"): 9, key("x"): 1, key("y"): 2},
                            writers=[1, 2, 3])
    assert settled.losers == {1, 2, 3} and settled.releases == frozenset()


def test_the_result_never_depends_on_the_order_of_the_claims():
    claims = {1: key("b"), 2: key("a"), 3: key("a"), 4: key("c"), 5: key("d")}
    holders = {key("a"): 1, key("b"): 2, key("c"): 8}
    forward = settle_claims(claims, holders, writers=[1, 2, 3, 4, 5])
    backward = settle_claims(dict(reversed(claims.items())), holders, writers=[5, 4, 3, 2, 1])
    assert forward == backward
    assert forward.losers == {3, 4}
