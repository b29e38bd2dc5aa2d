//! Ordering lists through one shared sort. Every `sort_by` with its own
//! closure is a fresh copy of the standard library's sort in the wasm
//! (~3.5 KB each; sixteen of them were 55 KB of the edge), so the edge and
//! the core sort positions with one comparator behind a `dyn` and move the
//! items once.

use std::cmp::Ordering;

/// Sorts `items` stably by `cmp` (equal items keep their order).
pub fn sort_by<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
    let mut at: Vec<u32> = (0..n).collect();
    positions(&mut at, &|a, b| cmp(&items[a as usize], &items[b as usize]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(at.iter().filter_map(|&i| slots[i as usize].take()));
}

/// Sorts `items` stably by the key `key` reads.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` in their natural order.
pub fn sort<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
}

/// The one instance of the standard sort: positions ordered by `cmp`.
#[inline(never)]
fn positions(at: &mut [u32], cmp: &dyn Fn(u32, u32) -> Ordering) {
    at.sort_by(|a, b| cmp(*a, *b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_standard_sort_and_keeps_equal_items_in_place() {
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 5, 33, 300] {
            let mut v: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.0);
            sort_by_key(&mut v, |x| x.0);
            assert_eq!(v, expected);
        }
        let mut words = vec!["b".to_owned(), "a".to_owned(), "c".to_owned()];
        sort(&mut words);
        assert_eq!(words, ["a", "b", "c"]);
    }
}
