//! Answering a check: which measures apply to a subject in a matter, and why.

use chrono::NaiveDate;

use super::book::{Measure, MeasureBook, MeasureKind, Rule, Trigger};
use crate::SubjectCategory;
use crate::date::add_months;
use crate::publicity::PublicityWindow;

/// One record of the subject's file, as the rules see it.
pub trait Fact {
    /// Its record type code.
    fn record_type(&self) -> &str;
    /// Its decision (listing) date.
    fn decision_date(&self) -> NaiveDate;
    /// Its publicity window (for a list entry: the days it is listed).
    fn window(&self) -> &PublicityWindow;
    /// The text of one item, by key.
    fn value(&self, key: &str) -> Option<&str>;
}

/// Why a measure applies: the rule and the record that triggered it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reason<'b> {
    /// The rule.
    pub rule: &'b Rule,
    /// Index of the triggering record in the facts given.
    pub fact: usize,
}

/// A measure that applies, with every reason it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<'b> {
    /// The measure.
    pub measure: &'b Measure,
    /// The rules and records that triggered it, in rule order.
    pub reasons: Vec<Reason<'b>>,
}

impl Trigger {
    /// The items (payload keys) [`Trigger::holds`] reads. Every field is
    /// named, so that a new condition cannot be left out of the list the
    /// store reads (`MeasureBook::items`).
    pub(super) fn items(&self) -> impl Iterator<Item = &String> {
        let Self {
            record_type: _,
            severities: _,
            within_months: _,
            values,
            amount_at_least,
        } = self;
        values
            .iter()
            .map(|(key, _)| key)
            .chain(amount_at_least.iter().map(|(key, _)| key))
    }

    /// Whether `fact` triggers on `day`.
    fn holds(&self, fact: &impl Fact, day: NaiveDate) -> bool {
        if fact.record_type() != self.record_type {
            return false;
        }
        let window = fact.window();
        if !self.severities.is_empty() && !window.severity.is_some_and(|s| self.severities.contains(&s)) {
            return false;
        }
        if let Some((key, wanted)) = &self.values {
            let Some(text) = fact.value(key) else {
                return false;
            };
            // Multiple enumerated values are stored joined by 、.
            if !text.split('、').any(|v| wanted.iter().any(|w| w == v.trim())) {
                return false;
            }
        }
        if let Some((key, least)) = &self.amount_at_least {
            let amount = fact.value(key).and_then(|text| text.trim().parse::<f64>().ok());
            if !amount.is_some_and(|amount| amount >= *least) {
                return false;
            }
        }
        match self.within_months {
            Some(months) => {
                let decided = fact.decision_date();
                decided <= day && day <= add_months(decided, months)
            }
            None => window.is_public_on(day),
        }
    }
}

impl MeasureBook {
    /// The active measures that apply on `day` to a subject of `category`
    /// whose current records are `facts`, in the matter `matter`:
    /// restrictions before rewards, mandatory before discretionary, then in
    /// the order of the measure list; each measure once, with every reason.
    /// `None` if the matter is not in the book.
    pub fn evaluate<F: Fact>(
        &self,
        matter: &str,
        category: SubjectCategory,
        facts: &[F],
        day: NaiveDate,
    ) -> Option<Vec<Applied<'_>>> {
        let rules = self.by_matter.get(matter)?;
        let in_force = |record_type: &str| {
            facts
                .iter()
                .any(|f| f.record_type() == record_type && f.window().is_public_on(day))
        };
        let mut applied: Vec<(usize, Vec<Reason<'_>>)> = Vec::new();
        for rule in rules.iter().map(|&idx| &self.rules[idx]) {
            if !rule.subjects.is_empty() && !rule.subjects.contains(&category) {
                continue;
            }
            if rule.unless.iter().any(|t| in_force(t)) {
                continue;
            }
            for (fact_idx, fact) in facts.iter().enumerate() {
                if !rule.when.holds(fact, day) {
                    continue;
                }
                for code in &rule.measures {
                    let Some(measure_idx) = self.measures.iter().position(|m| &m.code == code && m.active) else {
                        continue;
                    };
                    let reason = Reason { rule, fact: fact_idx };
                    match applied.iter_mut().find(|(idx, _)| *idx == measure_idx) {
                        Some((_, reasons)) => reasons.push(reason),
                        None => applied.push((measure_idx, vec![reason])),
                    }
                }
            }
        }
        applied.sort_by_key(|(idx, _)| {
            let measure = &self.measures[*idx];
            (measure.kind != MeasureKind::Restriction, !measure.mandatory, *idx)
        });
        Some(
            applied
                .into_iter()
                .map(|(idx, reasons)| Applied {
                    measure: &self.measures[idx],
                    reasons,
                })
                .collect(),
        )
    }
}
