//! The label/score bands that tie a 0–100 score to a label.

use serde::{Deserialize, Serialize};

use super::Label;

/// Score thresholds: `score >= high` is high, `score >= medium` is medium, else low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub high: u8,
    pub medium: u8,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            high: 70,
            medium: 40,
        }
    }
}

impl Bands {
    /// Checks `0 < medium < high <= 100`.
    pub fn new(high: u8, medium: u8) -> Result<Bands, String> {
        if !(0 < medium && medium < high && high <= 100) {
            return Err(format!(
                "expected 0 < medium < high <= 100, found high = {high}, medium = {medium}"
            ));
        }
        Ok(Bands { high, medium })
    }

    /// The label whose band holds `score`.
    pub fn label_for(&self, score: u8) -> Label {
        if score >= self.high {
            Label::High
        } else if score >= self.medium {
            Label::Medium
        } else {
            Label::Low
        }
    }

    /// The inclusive score range of a label's band.
    pub fn range(&self, label: Label) -> (u8, u8) {
        match label {
            Label::High => (self.high, 100),
            Label::Medium => (self.medium, self.high - 1),
            Label::Low => (0, self.medium - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_0_to_100_without_gaps() {
        let b = Bands::default();
        assert_eq!(b.label_for(70), Label::High);
        assert_eq!(b.label_for(69), Label::Medium);
        assert_eq!(b.label_for(40), Label::Medium);
        assert_eq!(b.label_for(39), Label::Low);
        for label in Label::ALL {
            let (lo, hi) = b.range(label);
            assert_eq!(b.label_for(lo), label);
            assert_eq!(b.label_for(hi), label);
        }
        assert!(Bands::new(40, 70).is_err());
        assert!(Bands::new(70, 0).is_err());
    }
}
