"""Every label of the counter terminal, in Bahasa Indonesia first and English second.

This is the only translation table of the counter pages: templates render the Indonesian text
through `t()`, and the same table goes to the page's script for the language toggle and for
everything drawn at run time. `{name}` placeholders are filled by both sides. A label counting
`{count}` may have a singular `<key>_one`, used for a count of one ("1 person", not "1 people").
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

TEXTS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- common
    "app.name": {"id": "Antrian", "en": "Antrian"},
    "app.title": {"id": "Terminal Loket", "en": "Counter terminal"},
    "lang.toggle": {"id": "English", "en": "Bahasa Indonesia"},
    "lang.toggle_hint": {"id": "Ganti bahasa", "en": "Change language"},
    # ---------------------------------------------------------------- sign-in
    "login.title": {"id": "Masuk petugas loket", "en": "Counter officer sign-in"},
    "login.username": {"id": "Nama pengguna", "en": "Username"},
    "login.password": {"id": "Kata sandi", "en": "Password"},
    "login.counter": {"id": "Loket", "en": "Counter"},
    "login.choose_counter": {"id": "Pilih loket…", "en": "Choose a counter…"},
    "login.submit": {"id": "Masuk", "en": "Sign in"},
    "login.wrong": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "login.disabled": {
        "id": "Akun ini dinonaktifkan. Hubungi admin.",
        "en": "This account is disabled. Ask an admin.",
    },
    "login.not_allowed": {
        "id": "Anda tidak diizinkan bertugas di loket {counter}. Loket Anda: {allowed}.",
        "en": "You may not work at counter {counter}. Your counters: {allowed}.",
    },
    "login.no_counter": {
        "id": "Pilih loket tempat Anda bertugas.",
        "en": "Choose the counter you are working at.",
    },
    "login.unknown_counter": {
        "id": "Loket {counter} tidak ada.",
        "en": "There is no counter {counter}.",
    },
    "login.throttled": {
        "id": "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} detik.",
        "en": "Too many failed sign-ins. Try again in {seconds} s.",
    },
    "login.signed_out": {"id": "Anda sudah keluar.", "en": "You have signed out."},
    # ---------------------------------------------------------------- first sign-in
    "password.title": {"id": "Ganti kata sandi", "en": "Change your password"},
    "password.intro": {
        "id": "Kata sandi akun ini dibuat oleh server. Pilih kata sandi Anda sendiri dulu.",
        "en": "This account's password was made by the server. Choose your own first.",
    },
    "password.new": {"id": "Kata sandi baru", "en": "New password"},
    "password.repeat": {"id": "Ulangi kata sandi baru", "en": "Repeat the new password"},
    "password.submit": {"id": "Simpan dan lanjutkan", "en": "Save and continue"},
    "password.mismatch": {
        "id": "Kedua kata sandi baru berbeda.",
        "en": "The two new passwords differ.",
    },
    "password.too_short": {
        "id": "Kata sandi baru minimal {min} karakter.",
        "en": "The new password needs at least {min} characters.",
    },
    "password.same": {
        "id": "Pilih kata sandi baru, bukan yang diberikan kepada Anda.",
        "en": "Choose a new password, not the one you were given.",
    },
    "login.session_ended": {
        "id": "Sesi Anda sudah berakhir. Silakan masuk lagi.",
        "en": "Your session has ended. Please sign in again.",
    },
    # ---------------------------------------------------------------- header
    "header.officer": {"id": "Petugas", "en": "Officer"},
    "header.sign_out": {"id": "Keluar", "en": "Sign out"},
    "header.services": {"id": "Layanan", "en": "Services"},
    # ---------------------------------------------------------------- counter status
    "status.label": {"id": "Status loket", "en": "Counter status"},
    "status.open": {"id": "Buka", "en": "Open"},
    "status.break": {"id": "Istirahat", "en": "On break"},
    "status.closed": {"id": "Tutup", "en": "Closed"},
    "status.open_button": {"id": "Buka loket", "en": "Open counter"},
    "status.break_button": {"id": "Istirahat", "en": "Take a break"},
    "status.close_button": {"id": "Tutup loket", "en": "Close counter"},
    "status.reason": {"id": "Alasan istirahat", "en": "Break reason"},
    "status.reason_hint": {
        "id": "mis. salat, makan siang, rapat",
        "en": "e.g. prayer, lunch, meeting",
    },
    # ---------------------------------------------------------------- current ticket
    "current.title": {"id": "Tiket saat ini", "en": "Current ticket"},
    "current.none.open": {
        "id": "Belum ada tiket. Tekan N untuk memanggil berikutnya.",
        "en": "No ticket. Press N to call the next visitor.",
    },
    "current.none.break": {
        "id": "Loket sedang istirahat. Buka loket untuk memanggil lagi.",
        "en": "The counter is on a break. Open it to call again.",
    },
    "current.none.closed": {
        "id": "Loket tutup. Buka loket untuk memanggil.",
        "en": "The counter is closed. Open it to call.",
    },
    "current.waited": {"id": "Menunggu {minutes} menit", "en": "Waited {minutes} min"},
    "current.serving_for": {
        "id": "Dilayani {minutes} menit",
        "en": "Being served for {minutes} min",
    },
    "current.called_times": {"id": "Dipanggil {count}×", "en": "Called {count}×"},
    "current.transfers": {"id": "Riwayat alih layanan", "en": "Transfer history"},
    "current.no_transfers": {"id": "Belum pernah dialihkan", "en": "Never transferred"},
    "ticket.status.waiting": {"id": "Menunggu", "en": "Waiting"},
    "ticket.status.called": {"id": "Dipanggil", "en": "Called"},
    "ticket.status.serving": {"id": "Sedang dilayani", "en": "Being served"},
    "ticket.status.on_hold": {"id": "Ditunda", "en": "On hold"},
    "ticket.status.done": {"id": "Selesai", "en": "Done"},
    "ticket.status.no_show": {"id": "Tidak hadir", "en": "No-show"},
    "ticket.status.cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "ticket.status.unserved": {"id": "Tidak terlayani", "en": "Not served"},
    "priority.mark": {"id": "Prioritas", "en": "Priority"},
    "priority.lansia": {"id": "Lansia", "en": "Elderly"},
    "priority.disabilitas": {"id": "Disabilitas", "en": "Disability"},
    "priority.ibu_hamil": {"id": "Ibu hamil", "en": "Pregnant"},
    "ticket.transferred": {"id": "dialihkan", "en": "transferred"},
    # ---------------------------------------------------------------- actions
    "action.call_next": {"id": "Panggil berikutnya", "en": "Call next"},
    "action.recall": {"id": "Panggil ulang", "en": "Call again"},
    "action.start": {"id": "Mulai layani", "en": "Start service"},
    "action.finish": {"id": "Selesai", "en": "Finish"},
    "action.no_show": {"id": "Tidak hadir", "en": "No-show"},
    "action.hold": {"id": "Tunda", "en": "Hold"},
    "action.resume": {"id": "Lanjutkan di sini", "en": "Resume here"},
    "action.requeue": {"id": "Kembalikan ke antrean", "en": "Back to the queue"},
    "action.call_back": {"id": "Panggil lagi", "en": "Call back"},
    "action.call_back_ticket": {"id": "Panggil lagi {number}", "en": "Call back {number}"},
    "action.undo": {"id": "Urungkan", "en": "Undo"},
    "action.transfer": {"id": "Alihkan layanan", "en": "Transfer"},
    "action.call": {"id": "Panggil", "en": "Call"},
    "action.call_ticket": {"id": "Panggil {number}", "en": "Call {number}"},
    "action.shortcut": {"id": "Pintasan: {key}", "en": "Shortcut: {key}"},
    # ---------------------------------------------------------------- lists
    "waiting.title": {"id": "Antrean menunggu", "en": "Waiting"},
    "waiting.empty": {"id": "Tidak ada yang menunggu.", "en": "Nobody is waiting."},
    "waiting.number": {"id": "Nomor", "en": "Number"},
    "waiting.service": {"id": "Layanan", "en": "Service"},
    "waiting.time": {"id": "Menunggu", "en": "Waiting"},
    "waiting.actions": {"id": "Tindakan", "en": "Action"},
    "waiting.minutes": {"id": "{minutes} mnt", "en": "{minutes} min"},
    "waiting.count": {"id": "{count} orang", "en": "{count} people"},
    # The visitor's estimate, under the waiting time: "→" reads as "called in".
    "waiting.eta": {"id": "→ ≈{minutes} mnt", "en": "→ ≈{minutes} min"},
    "waiting.eta_range": {"id": "→ {low}–{high} mnt", "en": "→ {low}–{high} min"},
    "waiting.not_today": {"id": "→ lewat jam tutup", "en": "→ past closing"},
    "waiting.count_one": {"id": "{count} orang", "en": "{count} person"},
    "on_hold.title": {"id": "Ditunda di loket ini", "en": "On hold at this counter"},
    "on_hold.empty": {"id": "Tidak ada tiket yang ditunda.", "en": "No ticket on hold."},
    # ---------------------------------------------------------------- figures
    "figures.title": {"id": "Kinerja hari ini", "en": "Today's figures"},
    "figures.served": {"id": "Dilayani", "en": "Served"},
    "figures.no_show": {"id": "Tidak hadir", "en": "No-shows"},
    "no_shows.title": {"id": "Tidak hadir hari ini", "en": "Today's no-shows"},
    "no_shows.empty": {"id": "Belum ada.", "en": "None yet."},
    "waiting.reason.priority": {
        "id": "dipanggil lebih dulu (prioritas)",
        "en": "called first (priority)",
    },
    "waiting.reason.booking": {
        "id": "booking, jadwalnya sudah mulai",
        "en": "booked, the slot has begun",
    },
    "waiting.reason.transferred": {
        "id": "dialihkan, waktu datang tetap",
        "en": "transferred, keeps its arrival time",
    },
    "figures.average": {"id": "Rata-rata layanan", "en": "Average service"},
    "figures.minutes_unit": {"id": "menit", "en": "min"},
    "figures.none": {"id": "—", "en": "—"},
    # ---------------------------------------------------------------- transfer picker
    "transfer.title": {
        "id": "Alihkan {number} ke layanan lain",
        "en": "Transfer {number} to another service",
    },
    "transfer.search": {"id": "Cari layanan", "en": "Search services"},
    "transfer.search_hint": {
        "id": "Ketik nama, kode atau instansi…",
        "en": "Type a name, code or agency…",
    },
    "transfer.none": {"id": "Tidak ada layanan yang cocok.", "en": "No service matches."},
    "transfer.cancel": {"id": "Batal", "en": "Cancel"},
    # ---------------------------------------------------------------- connection & messages
    "day_close.banner": {
        "id": "Hari layanan ditutup pukul {time}: antrean yang belum dipanggil saat itu berakhir "
        "tidak terlayani. Pengunjung yang sedang dilayani tetap dapat diselesaikan.",
        "en": "The day closes at {time}: visitors not called by then end unserved. A visitor "
        "being served can still be finished.",
    },
    "printer.failed": {
        "id": "Printer anjungan {kiosk} bermasalah: {message}. Tiket tampil di layar anjungan.",
        "en": "Kiosk {kiosk} printer problem: {message}. Visitors see their ticket on screen.",
    },
    "printer.paper_low": {
        "id": "Kertas printer anjungan {kiosk} hampir habis: siapkan gulungan baru.",
        "en": "Kiosk {kiosk} printer paper is running low: fetch a new roll.",
    },
    "offline.banner": {
        "id": "Koneksi ke server terputus. Mencoba menyambung kembali…",
        "en": "Connection to the server lost. Reconnecting…",
    },
    "stale.banner": {
        "id": "Data mungkin tertinggal: sedang menyambung ulang ke server lain…",
        "en": "Data may be out of date: reconnecting to the other servers…",
    },
    "signed_out.title": {"id": "Anda sudah keluar", "en": "You are signed out"},
    "signed_out.body": {
        "id": "Sesi terminal ini sudah berakhir.",
        "en": "This terminal's session has ended.",
    },
    "signed_out.link": {"id": "Masuk lagi", "en": "Sign in again"},
    "msg.sending": {"id": "Mengirim…", "en": "Sending…"},
    "msg.retrying": {
        "id": "Server tidak terjangkau; mengirim ulang dengan aman…",
        "en": "Server unreachable; retrying safely…",
    },
    "msg.not_sent": {
        "id": "Tindakan tidak terkirim karena server tidak terjangkau. Coba lagi.",
        "en": "Not sent: the server is unreachable. Try again.",
    },
    "msg.nobody_waiting": {"id": "Tidak ada yang menunggu.", "en": "Nobody is waiting."},
    "msg.cannot_call.break": {
        "id": "Loket sedang istirahat. Buka loket dulu untuk memanggil berikutnya.",
        "en": "The counter is on a break. Open it first to call the next visitor.",
    },
    "msg.cannot_call.closed": {
        "id": "Loket tutup. Buka loket dulu untuk memanggil berikutnya.",
        "en": "The counter is closed. Open it first to call the next visitor.",
    },
    "msg.done.call": {"id": "{number} dipanggil.", "en": "{number} called."},
    "msg.done.recall": {"id": "{number} dipanggil ulang.", "en": "{number} called again."},
    "msg.done.start": {"id": "{number} sedang dilayani.", "en": "Serving {number}."},
    "msg.done.finish": {"id": "{number} selesai.", "en": "{number} finished."},
    "msg.done.no_show": {
        "id": "{number} dicatat tidak hadir.",
        "en": "{number} marked as no-show.",
    },
    "msg.done.hold": {"id": "{number} ditunda.", "en": "{number} put on hold."},
    "msg.done.resume": {
        "id": "{number} dilayani lagi di loket ini.",
        "en": "{number} is back at this counter.",
    },
    "msg.done.requeue": {
        "id": "{number} kembali ke antrean.",
        "en": "{number} is back in the queue.",
    },
    "msg.no_show_pending": {
        "id": "{number} dicatat tidak hadir dalam {seconds} detik.",
        "en": "{number} will be marked as no-show in {seconds} s.",
    },
    "msg.no_show_undone": {
        "id": "{number} tidak jadi dicatat tidak hadir.",
        "en": "{number} was not marked as no-show.",
    },
    # A pending no-show made moot by another terminal (or a manager) changing the ticket.
    "msg.no_show_dropped.serving": {
        "id": "{number} sedang dilayani di terminal lain.",
        "en": "{number} is being served at another terminal.",
    },
    "msg.no_show_dropped.done": {
        "id": "{number} sudah diselesaikan di terminal lain.",
        "en": "{number} was finished at another terminal.",
    },
    "msg.no_show_dropped.on_hold": {
        "id": "{number} ditunda di terminal lain.",
        "en": "{number} was put on hold at another terminal.",
    },
    "msg.no_show_dropped.no_show": {
        "id": "{number} sudah dicatat tidak hadir di terminal lain.",
        "en": "{number} was marked as no-show at another terminal.",
    },
    "msg.no_show_dropped": {
        "id": "{number} diubah di tempat lain; tidak dicatat tidak hadir.",
        "en": "{number} was changed elsewhere; not marked as no-show.",
    },
    "msg.done.transfer": {
        "id": "{number} dialihkan ke {service}.",
        "en": "{number} transferred to {service}.",
    },
    "msg.done.status": {"id": "Status loket: {status}.", "en": "Counter status: {status}."},
    "error.illegal_transition": {
        "id": "Tindakan ini tidak berlaku untuk status tiket sekarang.",
        "en": "This action does not fit the ticket's current state.",
    },
    "error.counter_busy": {
        "id": "Selesaikan dulu tiket yang sedang aktif di loket ini.",
        "en": "Finish the ticket that is active at this counter first.",
    },
    "error.counter_closed": {
        "id": "Loket tidak buka; buka loket dulu.",
        "en": "The counter is not open; open it first.",
    },
    "error.forbidden": {"id": "Anda tidak berhak melakukan ini.", "en": "You may not do this."},
    "error.not_found": {"id": "Tidak ditemukan.", "en": "Not found."},
    "error.invalid_request": {"id": "Permintaan tidak valid.", "en": "Invalid request."},
    "error.in_progress": {
        "id": "Permintaan yang sama masih diproses.",
        "en": "The same request is still running.",
    },
    "error.service_closed": {
        "id": "Layanan itu sedang tidak menerima pengunjung.",
        "en": "That service is not taking visitors now.",
    },
    "error.quota_reached": {
        "id": "Kuota hari ini untuk layanan itu sudah penuh.",
        "en": "That service has reached today's quota.",
    },
    "error.other": {"id": "Ditolak server ({code}).", "en": "Refused by the server ({code})."},
    # ---------------------------------------------------------------- booking check-in
    "checkin.title": {"id": "Check-in booking", "en": "Booking check-in"},
    "checkin.code": {"id": "Kode booking", "en": "Booking code"},
    "checkin.submit": {"id": "Check-in", "en": "Check in"},
    "checkin.sending": {"id": "Mengirim…", "en": "Sending…"},
    "checkin.ticket": {"id": "Tiket {number}", "en": "Ticket {number}"},
    "checkin.repeat": {
        "id": "Sudah check-in: tiket {number}",
        "en": "Already checked in: ticket {number}",
    },
    "checkin.slot": {"id": "booking jam {slot}", "en": "booked for {slot}"},
    "checkin.unreachable": {
        "id": "Gagal terhubung ke server; silakan coba lagi.",
        "en": "Cannot reach the server; please try again.",
    },
    "checkin.error.not_found": {
        "id": "Kode booking {code} tidak dikenal.",
        "en": "Unknown booking code {code}.",
    },
    "checkin.error.booking_cancelled": {
        "id": "Booking {code} sudah dibatalkan.",
        "en": "Booking {code} was cancelled.",
    },
    "checkin.error.booking_used": {
        "id": "Booking {code} sudah dipakai untuk mengambil nomor.",
        "en": "Booking {code} has already been used for a ticket.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The label `key` in `lang` (Indonesian when missing), with `{name}` placeholders filled."""
    if params.get("count") == 1 and f"{key}_one" in TEXTS:
        key = f"{key}_one"
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text
