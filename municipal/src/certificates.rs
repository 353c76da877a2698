//! The body of each of the four certificates, built from the register under the
//! municipality's settings and the resident's options (DESIGN.md "The certificates").

use kofu_shared::wire::{
    CertificateChoice, CertificateKind, DocumentBody, HouseholdListBody, HouseholdListMember, HouseholdScope,
    InkanBody, JuminhyoBody, JuminhyoMember, TaxBody,
};

use crate::db::{Db, DbError, Resident, Settings};
use crate::eligibility::Ineligible;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("not eligible")]
    Ineligible(Ineligible),
    #[error("a chosen household member does not exist")]
    NoSuchMember,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<Ineligible> for BodyError {
    fn from(reason: Ineligible) -> Self {
        BodyError::Ineligible(reason)
    }
}

pub fn build(
    db: &Db,
    settings: &Settings,
    holder: &Resident,
    choice: &CertificateChoice,
) -> Result<DocumentBody, BodyError> {
    match choice.kind {
        CertificateKind::Juminhyo => juminhyo(db, settings, holder, choice),
        CertificateKind::Inkan => inkan(db, holder),
        CertificateKind::Shotoku => Ok(DocumentBody::Shotoku(tax(db, settings, holder, choice)?)),
        CertificateKind::Kazei => Ok(DocumentBody::Kazei(tax(db, settings, holder, choice)?)),
    }
}

/// The holder's household as the kiosk may show it to the holder: positions, names and
/// relationships; members under a DV support measure are left out.
pub fn household_list(db: &Db, holder: &Resident) -> Result<DocumentBody, BodyError> {
    let members = match holder.household_id {
        Some(id) => db.household_members(id)?,
        None => Vec::new(),
    };
    let members: Vec<&Resident> =
        if members.is_empty() { vec![holder] } else { members.iter().filter(|m| !m.support_measure).collect() };
    printable(&members)?;
    Ok(DocumentBody::HouseholdList(HouseholdListBody {
        members: members
            .iter()
            .map(|m| HouseholdListMember {
                position: m.household_order,
                name: m.name.clone(),
                relationship: m.relationship.clone(),
                holder: m.id == holder.id,
            })
            .collect(),
    }))
}

fn printable(residents: &[&Resident]) -> Result<(), Ineligible> {
    if residents.iter().all(|r| r.name_printable) { Ok(()) } else { Err(Ineligible::NameNotPrintable) }
}

fn juminhyo(
    db: &Db,
    settings: &Settings,
    holder: &Resident,
    choice: &CertificateChoice,
) -> Result<DocumentBody, BodyError> {
    let options = &choice.options;
    let household = match holder.household_id {
        Some(id) => db.household_members(id)?,
        None => Vec::new(),
    };
    let listed: Vec<&Resident> = match options.scope {
        HouseholdScope::Holder => vec![holder],
        // A resident without a household record is a household of one.
        HouseholdScope::Household if household.is_empty() => vec![holder],
        HouseholdScope::Household => household.iter().collect(),
        HouseholdScope::Members => {
            let mut chosen = Vec::new();
            for position in &options.members {
                let member =
                    household.iter().find(|m| m.household_order == *position).ok_or(BodyError::NoSuchMember)?;
                if !chosen.iter().any(|c: &&Resident| c.id == member.id) {
                    chosen.push(member);
                }
            }
            chosen
        }
    };
    // A member under a DV support measure is never printed by the kiosk service.
    if listed.iter().any(|m| m.support_measure) {
        return Err(Ineligible::SupportMeasure.into());
    }
    printable(&listed)?;
    let members = listed
        .iter()
        .map(|m| JuminhyoMember {
            name: m.name.clone(),
            name_kana: m.name_kana.clone(),
            birth_date: m.birth_date.clone(),
            sex: m.sex.clone(),
            relationship: options.with_relationship.then(|| m.relationship.clone()),
            resident_since: m.resident_since.clone(),
            honseki: options.with_honseki.then(|| m.honseki.clone()),
            hittousha: options.with_honseki.then(|| m.hittousha.clone()),
            individual_number: if settings.print_individual_number { m.individual_number.clone() } else { None },
        })
        .collect();
    Ok(DocumentBody::Juminhyo(JuminhyoBody {
        address: holder.address.clone(),
        householder: options.with_relationship.then(|| holder.householder.clone()),
        whole_household: options.scope == HouseholdScope::Household
            || (options.scope == HouseholdScope::Members && listed.len() == household.len().max(1)),
        members,
    }))
}

fn inkan(db: &Db, holder: &Resident) -> Result<DocumentBody, BodyError> {
    let seal = db.active_seal(holder.id)?.ok_or(Ineligible::NoSealRegistration)?;
    printable(&[holder])?;
    Ok(DocumentBody::Inkan(InkanBody {
        name: holder.name.clone(),
        name_kana: holder.name_kana.clone(),
        birth_date: holder.birth_date.clone(),
        sex: holder.sex.clone(),
        address: holder.address.clone(),
        registration_number: seal.registration_number,
        seal_svg: seal.seal_svg,
    }))
}

/// The kiosk issues only the latest `kiosk_fiscal_years` years on record; older ones
/// and years without a record need the counter.
fn tax(db: &Db, settings: &Settings, holder: &Resident, choice: &CertificateChoice) -> Result<TaxBody, BodyError> {
    let years = db.fiscal_years(holder.id)?;
    let offered = &years[..years.len().min(usize::from(settings.kiosk_fiscal_years))];
    let year = match choice.options.fiscal_year {
        Some(year) if offered.contains(&year) => year,
        Some(_) => return Err(Ineligible::FiscalYearUnavailable.into()),
        None => *offered.first().ok_or(Ineligible::FiscalYearUnavailable)?,
    };
    let record = db.tax_record(holder.id, year)?.ok_or(Ineligible::FiscalYearUnavailable)?;
    printable(&[holder])?;
    Ok(TaxBody {
        name: holder.name.clone(),
        address: holder.address.clone(),
        birth_date: holder.birth_date.clone(),
        fiscal_year: record.fiscal_year,
        total_income: record.total_income,
        salary_income: record.salary_income,
        deductions: record.deductions,
        taxable_income: record.taxable_income,
        municipal_tax: record.municipal_tax,
        prefectural_tax: record.prefectural_tax,
        taxed: record.municipal_tax + record.prefectural_tax > 0,
    })
}
