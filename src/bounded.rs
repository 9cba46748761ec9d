//! A map for the in-memory caches, bounded by entries and by the bytes of what it holds, so that
//! no mix of requests grows the process past its configured memory. When an insert would pass a
//! bound the map starts over: the hot entries come back at once, and reads need no bookkeeping.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

pub struct BoundedMap<K, V> {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    entries: HashMap<K, (V, usize)>,
    bytes: usize,
}

impl<K: Hash + Eq, V: Clone> BoundedMap<K, V> {
    /// Either bound 0 turns the map off (it keeps nothing).
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            max_entries,
            max_bytes,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                bytes: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().entries.get(key).map(|(value, _)| value.clone())
    }

    /// Keeps `value`, which with its key takes about `bytes`; one larger than the whole bound is
    /// not kept (and replaces nothing).
    pub fn insert(&self, key: K, value: V, bytes: usize) {
        let mut inner = self.lock();
        if let Some((_, old)) = inner.entries.remove(&key) {
            inner.bytes -= old;
        }
        if bytes > self.max_bytes || self.max_bytes == 0 || self.max_entries == 0 {
            return;
        }
        if inner.entries.len() >= self.max_entries || inner.bytes + bytes > self.max_bytes {
            inner.entries.clear();
            inner.bytes = 0;
        }
        inner.bytes += bytes;
        inner.entries.insert(key, (value, bytes));
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut inner = self.lock();
        if let Some((_, bytes)) = inner.entries.remove(key) {
            inner.bytes -= bytes;
        }
    }

    /// Bytes held, as their inserts declared them.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_beyond_the_byte_bound_keep_the_size_within_it() {
        let map = BoundedMap::new(1000, 10_000);
        for i in 0..100 {
            map.insert(i, vec![0u8; 700], 700);
            assert!(map.bytes() <= 10_000, "{} bytes after {i}", map.bytes());
        }
        // The latest insert is always there, and nothing beyond the bound was kept.
        assert_eq!(map.get(&99).map(|v| v.len()), Some(700));
        assert!(map.len() <= 10_000 / 700);
        // One value larger than the whole bound is not kept, and the bound still holds.
        map.insert(100, vec![0u8; 20_000], 20_000);
        assert_eq!(map.get(&100), None);
        assert!(map.bytes() <= 10_000);
    }

    #[test]
    fn replacing_a_key_counts_its_bytes_once_and_entries_are_bounded_too() {
        let map = BoundedMap::new(3, 10_000);
        map.insert("a", 1, 4_000);
        map.insert("a", 2, 5_000);
        assert_eq!((map.get("a"), map.bytes()), (Some(2), 5_000));
        map.remove("a");
        assert_eq!((map.len(), map.bytes()), (0, 0));
        for key in ["a", "b", "c", "d"] {
            map.insert(key, 0, 1);
        }
        assert!(map.len() <= 3);
        assert_eq!(map.get("d"), Some(0));
    }

    #[test]
    fn a_zero_bound_keeps_nothing() {
        for map in [BoundedMap::new(0, 100), BoundedMap::new(100, 0)] {
            map.insert(1, 1, 0);
            assert!(map.is_empty());
        }
    }
}
