//! The word lists of `data/`, parsed once.

use std::sync::LazyLock;

/// Entries with weights, for weighted choice.
#[derive(Debug)]
pub(crate) struct Weighted<T> {
    entries: Vec<(T, u32)>,
    total: u32,
}

impl<T> Weighted<T> {
    fn new(entries: Vec<(T, u32)>) -> Self {
        let total = entries.iter().map(|(_, w)| *w).sum::<u32>().max(1);
        Self { entries, total }
    }

    pub(crate) fn pick(&self, rng: &mut fastrand::Rng) -> &T {
        let mut ticket = rng.u32(0..self.total);
        for (entry, weight) in &self.entries {
            if ticket < *weight {
                return entry;
            }
            ticket -= weight;
        }
        &self.entries[0].0
    }
}

fn lines(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
}

fn weighted(text: &'static str) -> Weighted<&'static str> {
    Weighted::new(
        lines(text)
            .map(|cols| (cols[0], cols.get(1).and_then(|w| w.parse().ok()).unwrap_or(1)))
            .collect(),
    )
}

fn plain(text: &'static str) -> Vec<&'static str> {
    lines(text).map(|cols| cols[0]).collect()
}

/// A city department.
#[derive(Debug)]
pub(crate) struct Department {
    pub(crate) name: &'static str,
    pub(crate) penalties: bool,
    pub(crate) licences: bool,
}

/// A violation a department punishes.
#[derive(Debug)]
pub(crate) struct Violation {
    pub(crate) department: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) facts: &'static str,
    pub(crate) basis: &'static str,
    pub(crate) penalties: &'static str,
    pub(crate) min_fine: u32,
    pub(crate) max_fine: u32,
}

/// A licence a department grants.
#[derive(Debug)]
pub(crate) struct Licence {
    pub(crate) department: &'static str,
    pub(crate) certificate: &'static str,
    pub(crate) content: &'static str,
    pub(crate) category: &'static str,
}

pub(crate) static SURNAMES: LazyLock<Weighted<&str>> = LazyLock::new(|| weighted(include_str!("../data/surnames.tsv")));
pub(crate) static GIVEN: LazyLock<Vec<&str>> = LazyLock::new(|| plain(include_str!("../data/given_chars.txt")));
pub(crate) static TRADE: LazyLock<Vec<&str>> = LazyLock::new(|| plain(include_str!("../data/trade_words.txt")));
pub(crate) static INDUSTRIES: LazyLock<Weighted<&str>> =
    LazyLock::new(|| weighted(include_str!("../data/industries.tsv")));
pub(crate) static ORG_FORMS: LazyLock<Weighted<&str>> =
    LazyLock::new(|| weighted(include_str!("../data/org_forms.tsv")));
pub(crate) static SHOP_FORMS: LazyLock<Weighted<&str>> =
    LazyLock::new(|| weighted(include_str!("../data/individual_forms.tsv")));
pub(crate) static STREETS: LazyLock<Vec<&str>> = LazyLock::new(|| plain(include_str!("../data/streets.txt")));
pub(crate) static SCOPES: LazyLock<Vec<&str>> = LazyLock::new(|| plain(include_str!("../data/scopes.txt")));

/// County-level divisions of 淮北市 (GB/T 2260), where its subjects register.
pub(crate) static DISTRICTS: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| {
    lines(include_str!("../data/regions.tsv"))
        .filter(|cols| cols[0].starts_with("3406") && cols[0] != "340600")
        .map(|cols| (cols[0], cols.get(1).copied().unwrap_or_default()))
        .collect()
});

pub(crate) static DEPARTMENTS: LazyLock<Weighted<Department>> = LazyLock::new(|| {
    Weighted::new(
        lines(include_str!("../data/departments.tsv"))
            .map(|cols| {
                let kind = cols.get(1).copied().unwrap_or("both");
                let department = Department {
                    name: cols[0],
                    penalties: kind != "xk",
                    licences: kind != "cf",
                };
                (department, cols.get(2).and_then(|w| w.parse().ok()).unwrap_or(1))
            })
            .collect(),
    )
});

pub(crate) static VIOLATIONS: LazyLock<Vec<Violation>> = LazyLock::new(|| {
    lines(include_str!("../data/violations.tsv"))
        .filter(|cols| cols.len() >= 7)
        .map(|cols| Violation {
            department: cols[0],
            kind: cols[1],
            facts: cols[2],
            basis: cols[3],
            penalties: cols[4],
            min_fine: cols[5].parse().unwrap_or(0),
            max_fine: cols[6].parse().unwrap_or(0),
        })
        .collect()
});

pub(crate) static LICENCES: LazyLock<Vec<Licence>> = LazyLock::new(|| {
    lines(include_str!("../data/licences.tsv"))
        .filter(|cols| cols.len() >= 4)
        .map(|cols| Licence {
            department: cols[0],
            certificate: cols[1],
            content: cols[2],
            category: cols[3],
        })
        .collect()
});

impl Weighted<Department> {
    /// Departments that issue this kind of record, with their weights.
    pub(crate) fn issuing(&self, penalties: bool) -> Weighted<&Department> {
        Weighted::new(
            self.entries
                .iter()
                .filter(|(d, _)| if penalties { d.penalties } else { d.licences })
                .map(|(d, w)| (d, *w))
                .collect(),
        )
    }

    /// Position of a department in the list (stable; gives it its code).
    pub(crate) fn index_of(&self, name: &str) -> usize {
        self.entries.iter().position(|(d, _)| d.name == name).unwrap_or(0)
    }
}
