//! The kiosk's USB reader: attach (chosen by the developer, or re-attached without a click
//! in the kiosk), watch the slot (NotifySlotChange, else GetSlotStatus polling), and
//! handle the reader being unplugged.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{UsbConnectionEvent, UsbDevice};

use super::{Ui, button};
use crate::i18n;
use crate::kiosk::Event;
use crate::reader::{ReaderError, SharedReader, webusb};

/// How often a reader without an interrupt endpoint is asked whether a card is in.
const POLL_MS: u32 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderState {
    None,
    Connecting,
    Ready,
    Failed(ReaderError),
}

impl Ui {
    /// At start: listen for readers coming and going, and re-attach a permitted one.
    pub(super) fn watch_usb(&self) {
        let Some(usb) = webusb::usb() else { return };
        let ui = *self;
        let on_disconnect = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let device = event.unchecked_into::<UsbConnectionEvent>().device();
            ui.reader_unplugged(&device);
        });
        let on_connect = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let device = event.unchecked_into::<UsbConnectionEvent>().device();
            if ui.reader.with_value(Option::is_none) {
                spawn_local(async move {
                    ui.attach(device).await;
                });
            }
        });
        usb.set_ondisconnect(Some(on_disconnect.as_ref().unchecked_ref()));
        usb.set_onconnect(Some(on_connect.as_ref().unchecked_ref()));
        // The handlers live as long as the page.
        on_disconnect.forget();
        on_connect.forget();
        spawn_local(async move {
            for device in webusb::permitted_devices().await {
                if ui.attach(device).await {
                    break;
                }
            }
        });
    }

    /// "Connect a card reader": the browser's chooser, then attach.
    pub(super) fn choose_reader(&self) {
        let ui = *self;
        spawn_local(async move {
            match webusb::request_device().await {
                Ok(device) => {
                    ui.attach(device).await;
                }
                Err(ReaderError::NoneChosen) => {}
                Err(e) => ui.reader_state.set(ReaderState::Failed(e)),
            }
        });
    }

    /// Opens the reader and starts watching its slot; true when it is ready.
    async fn attach(&self, device: UsbDevice) -> bool {
        self.reader_state.set(ReaderState::Connecting);
        match webusb::open(device).await {
            Ok(opened) => {
                let reader = SharedReader::new(opened);
                self.reader.set_value(Some(reader.clone()));
                self.reader_epoch.update_value(|e| *e += 1);
                self.reader_state.set(ReaderState::Ready);
                self.watch_slot(reader);
                true
            }
            Err(e) => {
                self.reader_state.set(ReaderState::Failed(e));
                false
            }
        }
    }

    /// Follows the slot until the reader changes: every insertion starts a transaction.
    fn watch_slot(&self, reader: SharedReader) {
        let ui = *self;
        let epoch = self.reader_epoch.get_value();
        let current = move || ui.reader_epoch.get_value() == epoch;
        spawn_local(async move {
            // A card already in the reader counts as inserted.
            let mut present = reader.card_present().await.unwrap_or(false);
            ui.send(Event::CardPresent(present));
            match reader.interrupt() {
                Some((device, endpoint)) => {
                    while let Some(now) = webusb::next_slot_change(&device, endpoint).await {
                        if !current() {
                            return;
                        }
                        ui.send(Event::CardPresent(now));
                    }
                }
                None => {
                    while current() {
                        TimeoutFuture::new(POLL_MS).await;
                        // `None` while a transaction uses the reader: its own errors tell.
                        if let Some(now) = reader.card_present().await
                            && now != present
                            && current()
                        {
                            present = now;
                            ui.send(Event::CardPresent(now));
                        }
                    }
                }
            }
        });
    }

    /// The reader is gone: a transaction in progress ends, nothing is kept.
    fn reader_unplugged(&self, device: &UsbDevice) {
        let ours = self.reader.with_value(|r| r.as_ref().is_some_and(|r| r.is_device(device)));
        if !ours {
            return;
        }
        self.reader.set_value(None);
        self.reader_epoch.update_value(|e| *e += 1);
        self.reader_state.set(ReaderState::Failed(ReaderError::Disconnected));
        self.send(Event::ReaderLost);
    }
}

/// The reader line on the idle screen.
pub(super) fn reader_status(ui: Ui) -> impl IntoView {
    let usb = webusb::usb().is_some();
    move || {
        let state = ui.reader_state.get();
        let text = match state {
            ReaderState::Ready => i18n::READER_READY,
            ReaderState::Connecting | ReaderState::None => i18n::NO_READER,
            ReaderState::Failed(ReaderError::ProtectedClass) => i18n::READER_PROTECTED,
            ReaderState::Failed(ReaderError::Disconnected) => i18n::READER_LOST,
            ReaderState::Failed(_) => i18n::READER_FAILED,
        };
        let state_name = match state {
            ReaderState::None => "none".to_owned(),
            ReaderState::Connecting => "connecting".to_owned(),
            ReaderState::Ready => "ready".to_owned(),
            ReaderState::Failed(e) => format!("{e:?}"),
        };
        let chooser = (usb && state != ReaderState::Ready)
            .then(|| button(i18n::CONNECT_READER, "secondary connect-reader", move || ui.choose_reader()));
        view! {
            <div class="reader-status" data-reader=state_name>
                {super::text::phrase(text.into())}
                {chooser}
            </div>
        }
    }
}
