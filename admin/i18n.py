"""The management pages' labels, Bahasa Indonesia first, English second.

Rendered by the server in Indonesian; admin/static/i18n.js switches them (data-i18n="key")
and the page scripts ask `AntrianI18n.t(key)` for what they draw.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "app.title": {"id": "Manajemen MPP", "en": "MPP management"},
    "lang.toggle": {"id": "English", "en": "Bahasa Indonesia"},
    "nav.dashboard": {"id": "Dasbor", "en": "Dashboard"},
    "nav.officers": {"id": "Petugas", "en": "Officers"},
    "nav.devices": {"id": "Perangkat", "en": "Devices"},
    "nav.services": {"id": "Layanan", "en": "Services"},
    "nav.displays": {"id": "Layar", "en": "Displays"},
    "nav.audit": {"id": "Log audit", "en": "Audit log"},
    "nav.reports": {"id": "Laporan", "en": "Reports"},
    "nav.skm": {"id": "Survei kepuasan", "en": "Satisfaction survey"},
    "nav.logout": {"id": "Keluar", "en": "Sign out"},
    "login.title": {"id": "Masuk manajemen", "en": "Management sign-in"},
    "login.username": {"id": "Nama pengguna", "en": "Username"},
    "login.password": {"id": "Kata sandi", "en": "Password"},
    "login.submit": {"id": "Masuk", "en": "Sign in"},
    "login.wrong": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "login.not_manager": {
        "id": "Akun ini bukan admin atau supervisor.",
        "en": "This account is not an admin or a supervisor.",
    },
    "login.throttled": {
        "id": "Terlalu banyak percobaan; coba lagi sebentar lagi.",
        "en": "Too many attempts; try again shortly.",
    },
    "login.disabled": {"id": "Akun ini dinonaktifkan.", "en": "This account is disabled."},
    "password.title": {"id": "Pilih kata sandi baru", "en": "Choose a new password"},
    "password.new": {"id": "Kata sandi baru (min. 8)", "en": "New password (min. 8)"},
    "password.current": {"id": "Kata sandi saat ini", "en": "Current password"},
    "password.wrong_current": {
        "id": "Kata sandi saat ini salah.",
        "en": "The current password is wrong.",
    },
    "password.change": {"id": "Ganti kata sandi", "en": "Change password"},
    "password.submit": {"id": "Simpan", "en": "Save"},
    "live.online": {"id": "Tersambung", "en": "Live"},
    "live.offline": {"id": "Terputus, menyambung ulang…", "en": "Offline, reconnecting…"},
    "live.refused": {"id": "Sesi berakhir; masuk lagi.", "en": "Session ended; sign in again."},
    "dash.services": {"id": "Layanan", "en": "Services"},
    "dash.counters": {"id": "Loket", "en": "Counters"},
    "dash.alerts": {"id": "Peringatan", "en": "Alerts"},
    "dash.no_alerts": {"id": "Tidak ada peringatan.", "en": "No alerts."},
    "col.service": {"id": "Layanan", "en": "Service"},
    "col.waiting": {"id": "Menunggu", "en": "Waiting"},
    "col.longest": {"id": "Tunggu terlama / target", "en": "Longest wait / target"},
    "col.eta": {"id": "Perkiraan baru", "en": "ETA new visitor"},
    "col.today": {"id": "Ambil / dilayani / tidak hadir", "en": "Issued / served / no-show"},
    "col.open_counters": {"id": "Loket buka", "en": "Open counters"},
    "col.state": {"id": "Status", "en": "Status"},
    "col.counter": {"id": "Loket", "en": "Counter"},
    "col.officer": {"id": "Petugas", "en": "Officer"},
    "col.current": {"id": "Nomor sekarang", "en": "Current ticket"},
    "col.since": {"id": "Sejak", "en": "For"},
    "col.quota": {"id": "Kuota hari ini", "en": "Quota today"},
    "col.actions": {"id": "Tindakan", "en": "Actions"},
    "col.role": {"id": "Peran", "en": "Role"},
    "col.counters": {"id": "Loket diizinkan", "en": "Allowed counters"},
    "col.agencies": {"id": "Instansi", "en": "Agencies"},
    "col.active": {"id": "Aktif", "en": "Active"},
    "col.name": {"id": "Nama", "en": "Name"},
    "col.kind": {"id": "Jenis", "en": "Kind"},
    "col.where": {"id": "Zona / anjungan", "en": "Zone / kiosk"},
    "col.at": {"id": "Waktu", "en": "Time"},
    "col.actor": {"id": "Oleh", "en": "By"},
    "col.action": {"id": "Tindakan", "en": "Action"},
    "col.detail": {"id": "Rincian", "en": "Detail"},
    "status.open": {"id": "Buka", "en": "Open"},
    "status.break": {"id": "Istirahat", "en": "Break"},
    "status.closed": {"id": "Tutup", "en": "Closed"},
    "minutes": {"id": "{n} mnt", "en": "{n} min"},
    "any": {"id": "semua", "en": "any"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "action.ack": {"id": "Tandai ditangani", "en": "Acknowledge"},
    "action.acked": {"id": "Ditangani oleh {name}", "en": "Acknowledged by {name}"},
    "action.disable": {"id": "Nonaktifkan", "en": "Disable"},
    "action.enable": {"id": "Aktifkan", "en": "Enable"},
    "action.reset": {"id": "Atur ulang sandi", "en": "Reset password"},
    "action.save_counters": {"id": "Simpan loket", "en": "Save counters"},
    "action.revoke": {"id": "Cabut", "en": "Revoke"},
    "action.close_counter": {"id": "Tutup loket", "en": "Close counter"},
    "action.close": {"id": "Tutup hari ini", "en": "Close today"},
    "action.reopen": {"id": "Buka kembali", "en": "Reopen"},
    "action.set_quota": {"id": "Atur kuota", "en": "Set quota"},
    "action.add": {"id": "Tambah", "en": "Add"},
    "action.save": {"id": "Simpan", "en": "Save"},
    "action.filter": {"id": "Saring", "en": "Filter"},
    "form.reason": {"id": "Alasan (tampil di anjungan)", "en": "Reason (shown at kiosks)"},
    "form.new_password": {"id": "Sandi baru", "en": "New password"},
    "form.counters": {"id": "Loket, mis. 1,2", "en": "Counters, e.g. 1,2"},
    "form.agencies": {"id": "Instansi, mis. DISDUKCAPIL", "en": "Agencies, e.g. DISDUKCAPIL"},
    "form.zone": {"id": "Zona (layar)", "en": "Zone (display)"},
    "form.kiosk": {"id": "Anjungan (kiosk)", "en": "Kiosk code"},
    "form.running_text": {"id": "Teks berjalan", "en": "Running text"},
    "form.announcement": {
        "id": "Pengumuman (kosongkan untuk menghapus)",
        "en": "Announcement (empty to clear)",
    },
    "form.since": {"id": "Dari (YYYY-MM-DD)", "en": "From (YYYY-MM-DD)"},
    "form.until": {"id": "Sampai (YYYY-MM-DD)", "en": "Until (YYYY-MM-DD)"},
    "officers.add": {"id": "Tambah akun", "en": "Add an account"},
    "devices.add": {"id": "Tambah perangkat", "en": "Add a device"},
    "devices.setup": {
        "id": "Buka alamat ini sekali di perangkat (atau pindai QR). Token hanya tampil sekarang.",
        "en": "Open this address once on the device (or scan the QR). The token is shown only now.",
    },
    "displays.title": {"id": "Teks di layar aula", "en": "Texts on the hall displays"},
    "done": {"id": "Tersimpan.", "en": "Saved."},
    "level.green": {"id": "aman", "en": "fine"},
    "level.amber": {"id": "waspada", "en": "watch"},
    "level.red": {"id": "lewat target", "en": "past target"},
    "closed_reason": {"id": "Ditutup: {reason}", "en": "Closed: {reason}"},
}


def t(key: str, **params: Any) -> str:
    """The Indonesian label (the page switches to English in the browser)."""
    text = TEXTS.get(key, {}).get("id", key)
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text
