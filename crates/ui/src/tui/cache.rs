//! A memory-bounded least-recently-used map, for what the record pane keeps
//! decoded (prepared records, terminal graphics sequences).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// Bytes a cached value holds, for the cache's accounting.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for String {
    fn weight(&self) -> usize {
        self.capacity() + std::mem::size_of::<String>()
    }
}

impl<T: Weigh + ?Sized> Weigh for Arc<T> {
    fn weight(&self) -> usize {
        T::weight(self)
    }
}

struct Entry<V> {
    value: V,
    size: usize,
    last_used: u64,
}

/// Evicts the least recently used entries once their weights pass
/// `max_bytes`. A value heavier than the whole bound is not kept at all;
/// values handed out (as `Arc`s) stay alive after eviction.
pub struct SizedLru<K, V> {
    max_bytes: usize,
    bytes: usize,
    clock: u64,
    map: HashMap<K, Entry<V>>,
}

impl<K: Hash + Eq + Clone, V: Weigh + Clone> SizedLru<K, V> {
    /// An empty cache holding at most `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        SizedLru {
            max_bytes,
            bytes: 0,
            clock: 0,
            map: HashMap::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The value under `key`, marking it most recently used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        let now = self.tick();
        let entry = self.map.get_mut(key)?;
        entry.last_used = now;
        Some(entry.value.clone())
    }

    /// The value under `key` without touching its age (for drawing, which
    /// must not change state).
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|e| &e.value)
    }

    pub fn contains(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Stores `value` under `key` (replacing what was there) as the most
    /// recently used, then evicts the least recently used past the bound.
    pub fn insert(&mut self, key: K, value: V) {
        let now = self.tick();
        let size = value.weight() + std::mem::size_of::<Entry<V>>() + std::mem::size_of::<K>();
        if size > self.max_bytes {
            // Keeping it would flush everything else and then itself.
            self.remove(&key);
            return;
        }
        if let Some(old) = self.map.insert(
            key,
            Entry {
                value,
                size,
                last_used: now,
            },
        ) {
            self.bytes -= old.size;
        }
        self.bytes += size;
        // A linear scan per eviction: these caches hold tens to a few
        // hundred entries, where an ordered index would not pay for itself.
        while self.bytes > self.max_bytes {
            let Some(oldest) = self
                .map
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let gone = self.map.remove(key)?;
        self.bytes -= gone.size;
        Some(gone.value)
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }

    /// Bytes held, as counted against the bound.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: usize) -> Arc<String> {
        Arc::new("x".repeat(n))
    }

    #[test]
    fn evicts_least_recently_used_past_its_bound() {
        let one = s(1000).weight() + std::mem::size_of::<Entry<Arc<String>>>() + 8;
        let mut cache: SizedLru<u64, Arc<String>> = SizedLru::new(one * 2 + one / 2);
        cache.insert(1, s(1000));
        cache.insert(2, s(1000));
        assert_eq!(cache.bytes(), one * 2);
        assert!(cache.get(&1).is_some()); // 2 is now the oldest
        cache.insert(3, s(1000));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&2).is_none());
        assert!(cache.get(&1).is_some() && cache.get(&3).is_some());
        // Replacing a key does not count it twice.
        cache.insert(3, s(1000));
        assert_eq!(cache.bytes(), one * 2);
        // A value heavier than the bound is not kept.
        cache.insert(9, s(100_000));
        assert!(cache.peek(&9).is_none());
        assert!(cache.bytes() <= one * 2 + one / 2);
        assert_eq!(cache.remove(&1).map(|v| v.len()), Some(1000));
        cache.clear();
        assert!(cache.is_empty() && cache.bytes() == 0);
    }

    #[test]
    fn peek_does_not_refresh_age() {
        let one = s(10).weight() + std::mem::size_of::<Entry<Arc<String>>>() + 8;
        let mut cache: SizedLru<u64, Arc<String>> = SizedLru::new(one * 2);
        cache.insert(1, s(10));
        cache.insert(2, s(10));
        assert!(cache.peek(&1).is_some());
        cache.insert(3, s(10));
        assert!(!cache.contains(&1), "peek left 1 the oldest");
        assert!(cache.contains(&2) && cache.contains(&3));
    }
}
